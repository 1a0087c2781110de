/**
 * AWS Regions as pricing sees them: the Region code, the prefix Cost Explorer usage types
 * carry (`USE1-`, `EUC1-`), and which cross-region inference profile (`us.`, `eu.`,
 * `apac.`, `jp.`, `au.`) a call from that Region uses. Cross-region inference is priced
 * by the source Region, so a `us.` call from us-east-1 costs the us-east-1 geo price.
 */

/** Commercial and GovCloud Regions where Bedrock runs, with their usage-type prefix. */
export const REGIONS: Record<string, { prefix: string; geo: string[]; name: string }> = {
  'us-east-1': { prefix: 'USE1', geo: ['us'], name: 'US East (N. Virginia)' },
  'us-east-2': { prefix: 'USE2', geo: ['us'], name: 'US East (Ohio)' },
  'us-west-1': { prefix: 'USW1', geo: ['us'], name: 'US West (N. California)' },
  'us-west-2': { prefix: 'USW2', geo: ['us'], name: 'US West (Oregon)' },
  'ca-central-1': { prefix: 'CAN1', geo: ['ca', 'us'], name: 'Canada (Central)' },
  'sa-east-1': { prefix: 'SAE1', geo: ['us'], name: 'South America (Sao Paulo)' },
  'eu-central-1': { prefix: 'EUC1', geo: ['eu'], name: 'Europe (Frankfurt)' },
  'eu-central-2': { prefix: 'EUC2', geo: ['eu'], name: 'Europe (Zurich)' },
  'eu-west-1': { prefix: 'EU', geo: ['eu'], name: 'Europe (Ireland)' },
  'eu-west-2': { prefix: 'EUW2', geo: ['eu'], name: 'Europe (London)' },
  'eu-west-3': { prefix: 'EUW3', geo: ['eu'], name: 'Europe (Paris)' },
  'eu-north-1': { prefix: 'EUN1', geo: ['eu'], name: 'Europe (Stockholm)' },
  'eu-south-1': { prefix: 'EUS1', geo: ['eu'], name: 'Europe (Milan)' },
  'eu-south-2': { prefix: 'EUS2', geo: ['eu'], name: 'Europe (Spain)' },
  'ap-northeast-1': { prefix: 'APN1', geo: ['jp', 'apac'], name: 'Asia Pacific (Tokyo)' },
  'ap-northeast-2': { prefix: 'APN2', geo: ['apac'], name: 'Asia Pacific (Seoul)' },
  'ap-northeast-3': { prefix: 'APN3', geo: ['jp', 'apac'], name: 'Asia Pacific (Osaka)' },
  'ap-south-1': { prefix: 'APS3', geo: ['apac'], name: 'Asia Pacific (Mumbai)' },
  'ap-south-2': { prefix: 'APS5', geo: ['apac'], name: 'Asia Pacific (Hyderabad)' },
  'ap-southeast-1': { prefix: 'APS1', geo: ['apac'], name: 'Asia Pacific (Singapore)' },
  'ap-southeast-2': { prefix: 'APS2', geo: ['au', 'apac'], name: 'Asia Pacific (Sydney)' },
  'ap-southeast-3': { prefix: 'APS4', geo: ['apac'], name: 'Asia Pacific (Jakarta)' },
  'ap-southeast-4': { prefix: 'APS6', geo: ['au', 'apac'], name: 'Asia Pacific (Melbourne)' },
  'us-gov-west-1': { prefix: 'UGW1', geo: ['us-gov'], name: 'AWS GovCloud (US-West)' },
  'us-gov-east-1': { prefix: 'UGE1', geo: ['us-gov'], name: 'AWS GovCloud (US-East)' },
};

/** Inference-profile prefixes a model ID may carry (`us.anthropic.claude-...`). */
export const PROFILE_PREFIXES = ['us-gov', 'global', 'apac', 'us', 'eu', 'jp', 'au', 'ca'] as const;

/** The Region a profile's callers most often sit in, when no Region was given. */
export const PROFILE_HOME: Record<string, string> = {
  us: 'us-east-1',
  global: 'us-east-1',
  eu: 'eu-central-1',
  apac: 'ap-northeast-1',
  jp: 'ap-northeast-1',
  au: 'ap-southeast-2',
  ca: 'ca-central-1',
  'us-gov': 'us-gov-west-1',
};

export function isKnownRegion(code: string): boolean {
  return Object.hasOwn(REGIONS, code);
}

/** Geo profiles a call from this Region may use, most specific first. */
export function geoProfilesOf(region: string): string[] {
  return (Object.hasOwn(REGIONS, region) ? REGIONS[region]?.geo : undefined) ?? [];
}
