/**
 * The wait for a signed file the provider is still preparing (`FileNotReadyError`), as pure
 * logic: doubling pauses, the provider's hint honoured, the total bounded, other errors at once.
 */
import { FileNotReadyError } from '../../nodes/providers/adapter';
import {
	FILE_WAIT_MAX_DELAY_MS,
	FILE_WAIT_MIN_DELAY_MS,
	FileStillNotReadyError,
	nextFileWait,
	whenFileReady,
} from '../../nodes/ESign/transport/file-ready';

/** A fetch that is not ready `times` times (with the given hint), then answers `value`. */
function notReady<T>(times: number, value: T, retryAfterMs?: number) {
	let calls = 0;
	const fetch = async () => {
		calls++;
		if (calls <= times) throw new FileNotReadyError('409: the file is being prepared', retryAfterMs);
		return value;
	};
	return { fetch, calls: () => calls };
}

function recorder() {
	const pauses: number[] = [];
	return { pauses, pause: async (ms: number) => void pauses.push(ms) };
}

test('waits 2, 4, 8 s… between attempts and returns the file once it is ready', async () => {
	const { fetch, calls } = notReady(3, 'pdf');
	const { pauses, pause } = recorder();
	await expect(whenFileReady(fetch, { maxWaitMs: 120_000 }, undefined, pause)).resolves.toBe('pdf');
	expect(pauses).toEqual([2_000, 4_000, 8_000]);
	expect(calls()).toBe(4);
});

test('pauses never exceed the ceiling, and all pauses together never exceed the budget', async () => {
	const { fetch, calls } = notReady(1_000, 'never');
	const { pauses, pause } = recorder();
	const error = await whenFileReady(fetch, { maxWaitMs: 100_000 }, undefined, pause).catch((e: unknown) => e);
	expect(error).toBeInstanceOf(FileStillNotReadyError);
	expect(Math.max(...pauses)).toBeLessThanOrEqual(FILE_WAIT_MAX_DELAY_MS);
	expect(pauses.reduce((a, b) => a + b, 0)).toBe(100_000);
	expect(pauses).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 10_000]);
	expect((error as FileStillNotReadyError).waitedMs).toBe(100_000);
	expect((error as FileStillNotReadyError).attempts).toBe(calls());
	expect((error as Error).message).toBe(
		'The signed file was still not ready after waiting 100 s (8 attempts): 409: the file is being prepared',
	);
});

test("the provider's Retry-After hint replaces the backoff, still within the budget", async () => {
	const { fetch } = notReady(2, 'pdf', 7_000);
	const { pauses, pause } = recorder();
	await whenFileReady(fetch, { maxWaitMs: 10_000 }, undefined, pause);
	expect(pauses).toEqual([7_000, 3_000]);
});

test('a hint of 0 still pauses a little, so the budget runs out', () => {
	expect(nextFileWait({ maxWaitMs: 1_000 }, 5, 0, 0)).toBe(FILE_WAIT_MIN_DELAY_MS);
	expect(nextFileWait({ maxWaitMs: 1_000 }, 0, 990, 0)).toBe(10);
	expect(nextFileWait({ maxWaitMs: 1_000 }, 0, 1_000, 0)).toBeUndefined();
});

test('a budget of 0 asks once and gives up with what the provider said, via giveUp', async () => {
	const { fetch, calls } = notReady(1, 'pdf');
	const { pauses, pause } = recorder();
	const error = await whenFileReady(fetch, { maxWaitMs: 0 }, (e) => new Error(`mapped: ${e.message}`), pause).catch(
		(e: unknown) => e,
	);
	expect((error as Error).message).toBe('mapped: The signed file is not ready yet: 409: the file is being prepared');
	expect(calls()).toBe(1);
	expect(pauses).toEqual([]);
});

test('any other error passes through at once, unchanged', async () => {
	const failure = new Error('404 not found');
	const { pauses, pause } = recorder();
	let calls = 0;
	const fetch = async () => {
		calls++;
		throw failure;
	};
	await expect(whenFileReady(fetch, { maxWaitMs: 60_000 }, undefined, pause)).rejects.toBe(failure);
	expect(calls).toBe(1);
	expect(pauses).toEqual([]);
});
