// `npm run oci`: writes the Istio/OSSM images (Wasm OCI artifact and docker-compatible image) as
// OCI layout directories and tarballs under build/oci/. No Docker needed.
import { runBuild } from "./cli.js";

try {
  runBuild(process.argv.slice(2));
} catch (e) {
  console.error(`oci: ${(e as Error).message}`);
  process.exitCode = 1;
}
