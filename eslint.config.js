// Lint rules, including the import directions from DESIGN.md: the renderer never imports Node or
// Electron; core/unify and core/wire import nothing outside themselves (they run in a browser too).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'http',
  'https',
  'net',
  'tls',
  'zlib',
];
// core/train modules the GPU engine page bundles (tfjs only, no Node), and what they import.
const browserSafeTrain = [
  'batch-trainer',
  'self-test',
  'kernel-probes',
  'gpu-gradients',
  'fast-step',
  'wasm-gradients',
  'conv-grad',
  'pool-grad',
  'kernel-utils',
];
const restrictRegex = (regexes, message) => ({
  'no-restricted-imports': ['error', { patterns: regexes.map((regex) => ({ regex, message })) }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'release/**', 'docs/**', 'test/fixtures/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        Buffer: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']",
          message: 'No .only in committed tests.',
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: restrictRegex(
      [
        '^node:',
        `^(${nodeBuiltins.join('|')})$`,
        '^electron',
        '/core/(train|data|participant)/',
        '/(hub|cli|electron)/',
        '^@tensorflow/tfjs-node',
        '^better-sqlite3$',
        '^socket\\.io$',
      ],
      'The renderer runs in a sandboxed browser: use the bridge, or the pure parts of core (unify, wire, model/spec).',
    ),
  },
  {
    // The GPU engine page is the one renderer page that trains: it bundles core/train's browser-safe
    // modules (tfjs only), named one by one so that a Node-only module of core/train still fails here.
    files: ['renderer/gpu-engine/**'],
    rules: restrictRegex(
      [
        '^node:',
        `^(${nodeBuiltins.join('|')})$`,
        '^electron',
        '/core/(data|participant)/',
        `/core/train/(?!(${browserSafeTrain.join('|')})\\.ts$)`,
        '/(hub|cli|electron)/',
        '^@tensorflow/tfjs-node',
        '^@tensorflow/tfjs-backend-wasm',
        '^better-sqlite3$',
        '^socket\\.io$',
      ],
      'The GPU engine page runs in a sandboxed browser: it may use core/train only through its browser-safe modules.',
    ),
  },
  {
    files: ['core/unify/**'],
    rules: restrictRegex(['^(?!\\./)'], 'core/unify is pure: it imports nothing outside itself.'),
  },
  {
    files: ['core/wire/**'],
    rules: restrictRegex(
      ['^(?!\\./|\\.\\./unify/|\\.\\./model/spec\\.ts$|zod$|yaml$)'],
      'core/wire runs in the browser and in Node: it imports itself, core/unify, core/model/spec and zod/yaml only.',
    ),
  },
  {
    files: ['core/**'],
    ignores: ['core/unify/**', 'core/wire/**'],
    rules: restrictRegex(
      ['/(hub|renderer|electron|cli)/', '^electron$'],
      'core is the shared library: it never imports the programs built on it.',
    ),
  },
  {
    files: ['bin/**', 'scripts/**/*.js', '*.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // After the core/** rule, which this one extends (the later config of a rule wins).
    files: browserSafeTrain.map((name) => `core/train/${name}.ts`),
    rules: restrictRegex(
      [
        '^node:',
        `^(${nodeBuiltins.join('|')})$`,
        '^@tensorflow/tfjs-node',
        '/core/(data|participant)/',
        '/(hub|renderer|electron|cli)/',
        '^electron$',
      ],
      'This core/train module is bundled into the GPU engine page: tfjs and core/model only, no Node.',
    ),
  },
);
