/**
 * Runs the bench's TypeScript in place (so every `__dirname` is the source's own, as in the
 * tests): transpile-only through the project's TypeScript. Type checking is `npm run
 * typecheck` (test/tsconfig.json includes bench/).
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
	const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
		fileName: filename,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2022,
			esModuleInterop: true,
			sourceMap: false,
			inlineSourceMap: true,
		},
	});
	module._compile(outputText, filename);
};
