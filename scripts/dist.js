// Builds the desktop installers with electron-builder (config: electron-builder.yml).
//   npm run dist -- [--org org.json] [--platform linux|win|mac]
// With --org, the organization's config is validated, baked in as a resource (the app then opens
// straight at Join with that invite) and the installers are named after the organization.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const PLATFORMS = { linux: 'LINUX', win: 'WINDOWS', mac: 'MAC' };

/** Stops with a message that says what is wrong and what to do. */
function fail(message) {
  console.error(`dist: ${message}`);
  process.exit(1);
}

function parseCli() {
  try {
    const { values } = parseArgs({
      options: { org: { type: 'string' }, platform: { type: 'string' } },
      allowPositionals: false,
    });
    if (values.platform !== undefined && !(values.platform in PLATFORMS)) {
      fail(`--platform must be one of ${Object.keys(PLATFORMS).join(', ')}, not "${values.platform}".`);
    }
    return values;
  } catch (err) {
    return fail(`${err.message}. Usage: npm run dist -- [--org org.json] [--platform linux|win|mac]`);
  }
}

/** The org config, validated by the same code the app runs (electron/org-config.ts). */
async function loadOrg(file) {
  const { tsImport } = await import('tsx/esm/api');
  const { readOrgConfig, orgSlug } = await tsImport('../electron/org-config.ts', import.meta.url);
  const resolved = path.resolve(file);
  let config;
  try {
    config = readOrgConfig(resolved);
  } catch (err) {
    return fail(err.message);
  }
  if (config === null) fail(`${resolved} does not exist. Copy org.example.json and fill it in.`);
  return { config, slug: orgSlug(config.orgName) };
}

/** True when the Electron binary was downloaded at npm install (it needs internet access). */
function electronBinaryPresent() {
  const dir = path.join(root, 'node_modules/electron');
  const pathTxt = path.join(dir, 'path.txt');
  if (!fs.existsSync(pathTxt)) return false;
  return fs.existsSync(path.join(dir, 'dist', fs.readFileSync(pathTxt, 'utf8').trim()));
}

async function main() {
  const args = parseCli();
  const org = args.org === undefined ? null : await loadOrg(args.org);
  if (org !== null)
    console.log(`dist: ${args.org} is valid (${org.config.orgName}, hub ${org.config.hubUrl}).`);

  if (!electronBinaryPresent()) {
    fail(
      'electron-builder needs the Electron binary, which downloads from the internet: run this on a machine with internet access ' +
        '(npm install there fetches it; electron-builder then also downloads the Electron build for each target platform and its packaging tools).',
    );
  }
  for (const needed of ['dist/electron/main.cjs', 'dist/renderer/participant/index.html']) {
    if (!fs.existsSync(path.join(root, needed))) fail(`${needed} is missing: run \`npm run build\` first.`);
  }

  const config = {};
  if (org !== null) {
    const orgDir = path.join(root, 'build/org');
    fs.mkdirSync(orgDir, { recursive: true });
    // The invite holds an enrollment token: keep the generated folder out of git.
    fs.writeFileSync(path.join(orgDir, '.gitignore'), '*\n');
    fs.writeFileSync(path.join(orgDir, 'org.json'), `${JSON.stringify(org.config, null, 2)}\n`, {
      mode: 0o600,
    });
    Object.assign(config, {
      productName: `FedUnify – ${org.config.orgName}`,
      appId: `dev.fedunify.app.${org.slug}`,
      artifactName: `fedunify-${org.slug}-\${version}-\${arch}.\${ext}`,
      extraResources: [{ from: 'build/org/org.json', to: 'org.json' }],
    });
  }

  const { default: builder } = await import('electron-builder');
  const platform = args.platform === undefined ? undefined : builder.Platform[PLATFORMS[args.platform]];
  const outputs = await builder.build({
    projectDir: root,
    targets: platform?.createTarget(),
    config,
  });
  console.log(`dist: built\n  ${outputs.map((file) => path.relative(root, file)).join('\n  ')}`);
}

main().catch((err) => fail(err.message));
