/**
 * Imported first by the command line: on a Node.js older than 24 it says
 * which version is needed and exits 2, before anything that needs a newer
 * Node runs (an older Node would otherwise fail oddly or print nothing).
 * The bundle (dist/cli.js) keeps this module first. `requiredNodeMajor`
 * matches the package's engines (a test checks it).
 */
export const requiredNodeMajor = 24;

const running = Number(process.versions.node.split(".")[0]);
if (running < requiredNodeMajor) {
  process.stderr.write(
    `claw-tasks needs Node.js ${requiredNodeMajor} or newer; this is Node.js ${process.versions.node} (${process.execPath}).\n`,
  );
  process.exit(2);
}
