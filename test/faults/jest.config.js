/**
 * The fault suite: real relay processes, a Redis of its own, a load generator and sinks.
 * Scenarios run one after another (they load the machine on purpose).
 * `npm run test:faults` (CI sizes) or `FAULTS_FULL=1 npm run test:faults` (full sizes).
 */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/faults'],
	testMatch: ['**/*.faults.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', isolatedModules: true }],
	},
	globalSetup: '<rootDir>/test/faults/global-setup.ts',
	globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
	testTimeout: 15 * 60_000,
	maxWorkers: 1,
	// Scenarios stop their processes; idle keep-alive sockets must not hold a finished run open.
	forceExit: true,
};
