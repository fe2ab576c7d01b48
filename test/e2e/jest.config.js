/**
 * End-to-end tests in a real n8n: `npm run test:e2e`. Installs n8n into a cache outside the
 * repository (scripts/n8n-install.sh, skipped when cached), then runs n8n, the relay and the
 * SignNow simulator as real processes on loopback. One file at a time: they share the machine.
 */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', isolatedModules: true }],
	},
	testTimeout: 10 * 60_000,
	maxWorkers: 1,
	// afterAll stops every process and server it started; what can remain are idle keep-alive
	// sockets of fetch's global pool, which would otherwise hold the run open.
	forceExit: true,
};
