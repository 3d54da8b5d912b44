// Read one sample from the admin /metrics endpoint.
import { request } from 'undici';

export async function scrape(adminUrl: string): Promise<string> {
  const response = await request(`${adminUrl}/metrics`);
  return response.body.text();
}

/** The value of `name{labels}` (labels matched as a subset), or 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const labelText = open === -1 || open > line.indexOf(' ') ? '' : line.slice(open + 1, close);
    const have = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
  }
  return found ? total : 0;
}

export async function metric(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await scrape(adminUrl), name, labels);
}
