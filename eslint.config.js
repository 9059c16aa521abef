// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const MODULES = [
  'lib',
  'types',
  'errors',
  'logging',
  'metrics',
  'wal',
  'filter',
  'config-entry',
  'intentions',
  'discovery-chain',
  'config',
  'state',
  'blocking',
  'connect',
  'peering',
  'dns',
  'grpc',
  'http',
  'api',
  'proxy',
  'cli',
  'agent',
];

/** One override per folder: imports of internal folders not in its allow-list (lib is always allowed) fail lint. */
function boundaries(allowed) {
  return Object.entries(allowed).map(([mod, ok]) => {
    const banned = MODULES.filter((m) => m !== mod && m !== 'lib' && !ok.includes(m));
    const patterns = banned.map((m) => ({
      regex: `^(\\.\\./)+${m}/`,
      message: `${mod}/ may not import ${m}/ (see docs/architecture.md).`,
    }));
    if (mod !== 'grpc')
      patterns.push({ regex: '/generated/', message: 'grpc/generated is imported only from grpc/.' });
    return {
      files: [`src/${mod}/**/*.ts`],
      ignores: ['**/*.test.ts', '**/testing/**'],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    };
  });
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      'eslint.config.js',
      'src/grpc/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'prefer-const': 'error',
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a derived union.' },
        { selector: 'TSModuleDeclaration', message: 'No namespaces.' },
        {
          selector: "CallExpression[callee.object.name='test'][callee.property.name='only']",
          message: 'No .only',
        },
        {
          selector: "CallExpression[callee.object.name='it'][callee.property.name='only']",
          message: 'No .only',
        },
      ],
    },
  },
  // Module boundaries (docs/architecture.md): each folder may import only the folders listed for it.
  ...boundaries({
    lib: [],
    types: [],
    errors: [],
    logging: [],
    metrics: [],
    wal: [],
    filter: ['errors'],
    'config-entry': ['errors'],
    intentions: ['config-entry'],
    'discovery-chain': ['config-entry', 'errors'],
    config: ['types', 'errors'],
    state: ['types', 'errors', 'logging', 'config-entry', 'discovery-chain'],
    blocking: ['state', 'errors'],
    connect: ['types', 'errors', 'logging'],
    peering: ['state', 'connect', 'config-entry', 'discovery-chain', 'types', 'errors', 'logging'],
    dns: ['state', 'types', 'errors', 'logging'],
    grpc: ['peering', 'connect', 'types', 'errors', 'logging'],
    http: [
      'state',
      'blocking',
      'filter',
      'config-entry',
      'intentions',
      'discovery-chain',
      'peering',
      'connect',
      'types',
      'errors',
      'logging',
    ],
    api: ['types', 'errors'],
    proxy: ['api', 'connect', 'intentions', 'discovery-chain', 'types', 'errors', 'logging'],
    cli: ['api', 'proxy'],
  }),
  {
    files: ['src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
