// Tests, simulators and the end-to-end harness run in Node, not inside n8n: they get the plain
// TypeScript rules, not n8n's community-node rules (which forbid `process`, timers and
// runtime dependencies, as they must for code that runs inside n8n).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['dist'] }, {
	files: ['**/*.ts'],
	languageOptions: { parserOptions: { tsconfigRootDir: import.meta.dirname } },
	extends: [js.configs.recommended, tseslint.configs.recommended],
	rules: {},
});
