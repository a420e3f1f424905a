/**
 * Builds every generated artifact the tests and the demo need, each step cached on disk so that a
 * second run is nearly free. Steps are added by the folders that own them (circuits, contracts).
 */
const steps: Array<{ name: string; run: () => Promise<void> }> = [];

for (const step of steps) {
  const startedMs = Date.now();
  process.stdout.write(`build: ${step.name} ...\n`);
  await step.run();
  process.stdout.write(`build: ${step.name} done in ${((Date.now() - startedMs) / 1000).toFixed(1)} s\n`);
}
