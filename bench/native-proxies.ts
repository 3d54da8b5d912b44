// nginx and haproxy as mTLS-terminating reverse proxies in front of the same app: the yardstick
// the sidecar's cost per request is compared with. The bench writes their configs (one process,
// one thread each, so /proc/PID holds all their CPU time; keep-alive to the app; client
// certificate required and verified against the same CA; an identity header added per request,
// as the sidecar does) and runs them in the foreground as an unprivileged user.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NativeProxyTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface NativeProxyCommand {
  readonly command: string;
  readonly args: string[];
}

/** The first of these paths that exists, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

export function nginxCommand(binary: string, dir: string, tag: string, port: number, upstreamPort: number, tls: NativeProxyTls): NativeProxyCommand {
  const prefix = join(dir, `nginx-${tag}`);
  mkdirSync(join(prefix, 'tmp'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `# written by palisade bench
daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_client_certificate ${tls.ca};
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 10000000;
    keepalive_timeout 60s;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-Client-Cert "Hash=$ssl_client_fingerprint;Subject=\\"$ssl_client_s_dn\\"";
    }
  }
}
`,
  );
  // -e: the error log before the config is read (the default path is not writable for us).
  return { command: binary, args: ['-e', join(prefix, 'startup-error.log'), '-p', prefix, '-c', conf] };
}

export function haproxyCommand(binary: string, dir: string, tag: string, port: number, upstreamPort: number, tls: NativeProxyTls): NativeProxyCommand {
  const prefix = join(dir, `haproxy-${tag}`);
  mkdirSync(prefix, { recursive: true });
  // haproxy takes certificate and key in one file.
  const pem = join(prefix, 'server.pem');
  writeFileSync(pem, `${readFileSync(tls.cert, 'utf8').trimEnd()}\n${readFileSync(tls.key, 'utf8')}`);
  const conf = join(prefix, 'haproxy.cfg');
  writeFileSync(
    conf,
    `# written by palisade bench
global
  nbthread 1
  maxconn 8192
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
frontend mtls
  bind 127.0.0.1:${port} ssl crt ${pem} ca-file ${tls.ca} verify required
  http-request set-header X-Forwarded-Client-Cert "Hash=%[ssl_c_sha1,hex];Subject=\\"%[ssl_c_s_dn]\\""
  default_backend app
backend app
  http-reuse always
  server app 127.0.0.1:${upstreamPort}
`,
  );
  return { command: binary, args: ['-db', '-f', conf] };
}
