// A real Node.js HTTPS client under test for client drills: one GET to the URL, with a bearer
// token, either verifying against a CA file (`--ca FILE`) or not at all (`--insecure`, i.e.
// rejectUnauthorized: false). Exits 0 on any HTTP response, 1 on a TLS or connection error.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const [url, mode, caFile] = process.argv.slice(2);
const options = mode === '--insecure' ? { rejectUnauthorized: false } : { ca: readFileSync(caFile, 'utf8') };
const req = request(url, { ...options, method: 'GET', headers: { authorization: 'Bearer node-client-planted-token' }, timeout: 5000 }, (res) => {
  res.resume();
  res.on('end', () => process.exit(0));
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (error) => {
  process.stderr.write(`${error.code ?? error.message}\n`);
  process.exit(1);
});
req.end();
