// The Node (V8) flags `palisade run` is meant to start with: the image's ENTRYPOINT passes them,
// `npm run bench` starts the sidecar with them, and the README says how to pass them when
// running `palisade` by hand. A unit test keeps the Dockerfile and this list the same.
//
// They exist for the sidecar's memory (one per pod, multiplied by the fleet), measured on the
// transport path under load:
//
// --max-semi-space-size=2   V8 grows each of the young generation's two semi-spaces to 16 MiB
//                           by default once a process allocates steadily, which a proxy does
//                           (about 30 MB/s at 1,000 req/s); the sidecar then holds 32 MiB of
//                           young generation, idle included. The request path's objects die
//                           young (~120 KiB survive a scavenge at 800 req/s), so a 2 MiB
//                           semi-space costs more scavenges, not longer pauses. Idle RSS 98 -> 87
//                           MiB, and ~25 MiB less under load. 4 MiB would halve the scavenges
//                           (28 vs 56 per 3,200 requests: about 5 µs of CPU per request less) for
//                           2-3 MiB more RSS; the RSS budget (100 MiB) is the tighter one.
// --liftoff-only            undici parses the app's responses with llhttp compiled to
//                           WebAssembly; a second after the first upstream request V8 tiers it up
//                           with TurboFan, a compile that takes ~30 MiB of native memory for about
//                           a second: the process's peak RSS, in every pod, at every start.
//                           Liftoff's baseline code parses the same bytes; in an undici client
//                           microbenchmark CPU per request with and without the flag differed by
//                           less than the noise (+-15% on a busy machine).
//
// Both flags together, the same build with and without them side by side (npm run bench,
// 4 passes, quiet machine): CPU µs per request transport 227 vs 241, audit at info 260 vs 276,
// token + signature + info 725 vs 640 (each within its pass-to-pass spread of 60-120 µs); peak
// RSS 96 vs 94, 94 vs 99, and 105 vs 161 MiB. So: no CPU cost that shows, and the heaviest
// scenario's peak a third lower.
//
// V8 flags are not all accepted in NODE_OPTIONS (--liftoff-only is not): pass them on the node
// command line.
export const SIDECAR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--liftoff-only'];
