// The Cloudflare Worker that workerd runs: POST the scenario's config, get its report. Bundled by
// esbuild with the `workerd` condition, the way wrangler bundles a Worker.
import * as sdk from 'unico-idcloud';
import { runScenario } from './scenario.mjs';

export default {
  async fetch(request) {
    const report = await runScenario(sdk, await request.json());
    return Response.json(report);
  },
};
