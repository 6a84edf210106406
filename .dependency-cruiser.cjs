/**
 * The layers of src/ (docs/internals.md, "The layers"), checked by `make test` before the
 * specs run (dependency-cruiser). A folder imports only from itself and from the folders of
 * the layers below it, never from a folder of its own layer or of a layer above: so no cycle
 * can run between folders. Type-only imports count (a dependency of the design, if not of the
 * loaded code), and so do lazy require()s and dynamic imports.
 */
const LAYERS = [
  ['logging', 'services'],
  ['time'],
  ['state'],
  ['checkpoint'],
  ['metrics'],
  ['graph'],
  ['runtime'],
  ['connectors', 'windowing'],
  ['web', 'instances'],
  ['cluster'],
  ['api'],
  ['cep'],
  ['sql', 'cli', 'worker', 'ml'],
];

/**
 * Imports that break the layers, each as { from, to } path patterns with why it is not fixed
 * yet; while one is listed, no-folder-cycle below is off. Keep it empty.
 */
const PENDING = [];

const folders = (names) => `^src/(${names.join('|')})/`;
/** The folders a folder may import from: itself and the layers below its own. */
const allowedFrom = (folder) => [folder, ...LAYERS.slice(0, LAYERS.findIndex((layer) => layer.includes(folder))).flat()];
const folderOf = (pathPattern) => LAYERS.flat().find((folder) => pathPattern.startsWith(`^src/${folder}/`));

const layerRules = LAYERS.flat().map((folder) => ({
  name: `layer-${folder}`,
  comment: `src/${folder} may import only from ${allowedFrom(folder).join(', ')} (docs/internals.md, the layers)`,
  severity: 'error',
  from: { path: folders([folder]), pathNot: PENDING.filter((p) => folderOf(p.from) === folder).map((p) => p.from) },
  to: { path: '^src/', pathNot: [folders(allowedFrom(folder)), '^src/[^/]+\\.ts$'] },
}));

const pendingRules = PENDING.map((p) => ({
  name: 'layer-pending',
  comment: 'a file allowed one import across the layers until its fix lands (PENDING); nothing further',
  severity: 'error',
  from: { path: p.from },
  to: { path: '^src/', pathNot: [folders(allowedFrom(folderOf(p.from))), p.to] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    ...pendingRules,
    {
      name: 'folder-in-no-layer',
      comment: 'every folder of src/ has its place in LAYERS here and in docs/internals.md, the layers',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: folders(LAYERS.flat()) },
      to: {},
    },
    {
      name: 'entry-points-on-top',
      comment: "nothing in src/ imports the package's entry points (index.ts, kafka.ts, redis.ts, sql.ts, ml.ts)",
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    // Names the cycle a broken layer makes; left out while a pending import makes one on purpose.
    ...(PENDING.length > 0
      ? []
      : [{ name: 'no-folder-cycle', comment: 'a cycle between folders of src/', severity: 'error', scope: 'folder', from: { path: '^src/[^/]+$' }, to: { path: '^src/[^/]+$', circular: true } }]),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|build)/' },
  },
};
