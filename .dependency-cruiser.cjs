/**
 * The folder layers (README "Layout"), checked by `npm run lint:layers` (part of `npm test`).
 *
 * Bottom to top: lib -> system -> containers | scenarios -> simulator -> reports -> runner ->
 * experiments -> cli. A folder imports only the folders listed for it in LAYERS; two folders
 * never import each other. Test files (*.test.ts, *.int.test.ts) may also import test/, the
 * integration tests' fixtures (the shared stack's endpoints and the own-stack starter).
 * bench/ measures everything and sits on top beside cli/; bin/ only starts cli/.
 */
const LAYERS = {
  lib: [],
  system: ['lib'],
  containers: ['lib', 'system'],
  scenarios: ['lib', 'system'],
  simulator: ['lib', 'system', 'scenarios'],
  reports: ['lib', 'scenarios', 'simulator'],
  runner: ['lib', 'system', 'containers', 'scenarios', 'simulator', 'reports'],
  experiments: ['lib', 'system', 'containers', 'scenarios', 'runner'],
  cli: ['lib', 'system', 'containers', 'scenarios', 'simulator', 'reports', 'runner', 'experiments'],
  test: ['lib', 'system', 'containers', 'scenarios', 'runner'],
  bench: ['lib', 'system', 'containers', 'scenarios', 'simulator', 'reports', 'runner', 'experiments'],
  bin: ['cli'],
};

const FOLDERS = Object.keys(LAYERS);
const TEST_FILE = '\\.(int\\.)?test\\.ts$';

const forbidden = FOLDERS.map((folder) => {
  const allowed = [folder, ...LAYERS[folder]];
  const others = FOLDERS.filter((f) => !allowed.includes(f));
  return {
    name: `layer-${folder}`,
    comment: `${folder}/ may import only ${LAYERS[folder].join(', ') || 'nothing outside itself'} (.dependency-cruiser.cjs)`,
    severity: 'error',
    from: { path: `^${folder}/`, pathNot: TEST_FILE },
    to: { path: `^(${others.join('|')})/` },
  };
}).concat(
  FOLDERS.map((folder) => {
    const allowed = [folder, 'test', ...LAYERS[folder]];
    const others = FOLDERS.filter((f) => !allowed.includes(f));
    return {
      name: `layer-${folder}-tests`,
      comment: `tests in ${folder}/ may import what ${folder}/ may, and test/`,
      severity: 'error',
      from: { path: `^${folder}/.*${TEST_FILE}` },
      to: { path: `^(${others.join('|')})/` },
    };
  }),
  [
    {
      name: 'no-folder-cycle',
      comment: 'Two folders (or files) never import each other, directly or through others.',
      severity: 'error',
      from: { path: '^(lib|system|containers|scenarios|simulator|reports|runner|experiments|cli)/' },
      to: { circular: true },
    },
    {
      name: 'k6-scripts-pure',
      comment: 'k6 runs the scripts in its own JS runtime: no Node built-ins and no npm packages (house rule 4).',
      severity: 'error',
      from: { path: '^scenarios/k6/', pathNot: TEST_FILE },
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'], pathNot: '^k6(/|$)' },
    },
  ],
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|out|\\.feedscale)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
