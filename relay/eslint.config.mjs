// The relay is a Node service, not part of the community package: it gets the plain
// TypeScript rules, not n8n's community-node rules (which forbid `process`, timers and
// runtime dependencies, as they must for code that runs inside n8n).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist'] }, {
	files: ['**/*.ts'],
	languageOptions: { parserOptions: { tsconfigRootDir: import.meta.dirname } },
	extends: [js.configs.recommended, tseslint.configs.recommended],
	rules: { 'no-console': 'error' },
});
