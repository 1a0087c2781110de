/** The deployed functions' settings, read from serverless.yml (memory, Node options). */
import { readFileSync } from 'node:fs';

/** Memory (MB) and `NODE_OPTIONS` per function from serverless.yml (provider memory default otherwise). */
export function functionSettings(): Record<string, { memoryMb: number; nodeOptions: string[] }> {
  const yml = readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8');
  const providerDefault = Number(/^provider:[\s\S]*?^ {2}memorySize: (\d+)/m.exec(yml)?.[1] ?? 1024);
  const settings: Record<string, { memoryMb: number; nodeOptions: string[] }> = {};
  const functions = yml.split(/^functions:\s*$/m)[1]?.split(/^\S/m)[0] ?? '';
  let current: string | undefined;
  for (const line of functions.split('\n')) {
    const fn = /^ {2}([\w-]+):\s*$/.exec(line);
    if (fn) {
      current = fn[1]!;
      settings[current] = { memoryMb: providerDefault, nodeOptions: [] };
    }
    if (!current) continue;
    const mem = /^ {4}memorySize: (\d+)/.exec(line);
    if (mem) settings[current]!.memoryMb = Number(mem[1]);
    const options = /^ {6}NODE_OPTIONS: (.+)$/.exec(line);
    if (options) settings[current]!.nodeOptions = options[1]!.trim().split(/\s+/);
  }
  return settings;
}

/** Memory (MB) per function from serverless.yml (provider default otherwise). */
export function memorySizes(): Record<string, number> {
  return Object.fromEntries(Object.entries(functionSettings()).map(([name, s]) => [name, s.memoryMb]));
}
