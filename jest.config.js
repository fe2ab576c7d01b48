/** Unit and integration tests of the node package and the relay (real Redis, real HTTP). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test', '<rootDir>/relay/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/faults/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', isolatedModules: true }],
	},
	globalSetup: '<rootDir>/test/global-setup.ts',
	testTimeout: 30_000,
	// Every test stops the servers, relays and Redis connections it starts; what is left are idle
	// keep-alive sockets of fetch's global pool (and BullMQ's blocking connections while they
	// wind down), which would otherwise keep a finished run open.
	forceExit: true,
};
