// Flat config: typescript-eslint's recommended rules on every TypeScript source, Prettier owns
// formatting, and the layer rules of docs/architecture.md: imports point down, never up or sideways
// between charts, and nothing outside test/ imports test code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import { layerZones, lambdaImportRules } from './eslint.layers.mjs';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'cdk.out/**',
      'dist/**',
      'dist-manifests/**',
      'coverage/**',
      '.venvs/**',
      '.tools/**',
      '.local/**',
      '.lab/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Node ES modules run as their own processes (the local lab's OpenID provider) or configure tools.
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
      // The layers (eslint.layers.mjs): a wrong-way import fails the lint step of CI.
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
      // Two files that import each other are one concept split badly, or a missing lower layer.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  ...lambdaImportRules(),
);
