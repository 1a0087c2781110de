// Keep the AWS SDK's "Node.js 20 support ends" notice out of test output (CI runs Node 20,
// Lambda runs nodejs22.x). Every other warning still shows.
const emit = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  const meta = rest
    .map((r) => (typeof r === 'string' ? r : ((r as { type?: string } | undefined)?.type ?? '')))
    .join(' ');
  if (/NodeVersionSupportWarning|AWS SDK for JavaScript/.test(`${text} ${meta}`)) return;
  (emit as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
