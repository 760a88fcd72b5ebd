// @ts-check
const tseslint = require('typescript-eslint');

/**
 * Type-aware where it catches real bugs: a promise nobody awaits (its failure is lost) or one
 * handed where a callback's result is ignored. Imports used only as types say so; the rule leaves
 * files with decorators alone, as Nest's injection reads their metadata at run time.
 */
module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/gen/**', 'libs/client/dist/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests, their support and the dashboard read JSON of whatever shape the answer has.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/*.e2e-spec.ts',
      'test/**',
      'libs/testing/**',
      'scripts/chaos/**',
      '**/*-under-test.ts',
      'services/gateway/web/**',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Preact calls an event handler and drops what it returns; each handler reports its own failure.
    files: ['services/gateway/web/**'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    // Source sent to a worker thread as text: it cannot import, it requires, and names types inline.
    files: ['libs/testing/src/hostile-caldav-worker.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
