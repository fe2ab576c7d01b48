/** Reads an API path now and every few seconds while the page is shown. */
import { useCallback, useEffect, useState } from 'preact/hooks';

import { api } from '../api';

export function usePoll<T>(path: string | null, everyMs = 5000): { data: T | undefined; error: string; reload: () => void } {
	const [data, setData] = useState<T | undefined>(undefined);
	const [error, setError] = useState('');
	const [tick, setTick] = useState(0);
	const reload = useCallback(() => setTick((value) => value + 1), []);
	useEffect(() => {
		if (!path) return;
		let alive = true;
		const read = () =>
			api<T>(path).then(
				(value) => alive && (setData(value), setError('')),
				(failure: Error) => alive && setError(failure.message),
			);
		void read();
		const timer = everyMs > 0 ? setInterval(read, everyMs) : undefined;
		return () => {
			alive = false;
			if (timer) clearInterval(timer);
		};
	}, [path, tick, everyMs]);
	return { data, error, reload };
}
