/** The console's shell: log in with a token, then one page per question an operator asks. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { api, saveToken, savedToken, type Whoami } from './api';
import { Deliveries } from './pages/deliveries';
import { Documents } from './pages/documents';
import { Overview } from './pages/overview';
import { Sources } from './pages/sources';
import { Subscriptions } from './pages/subscriptions';
import { PAGES, currentRoute } from './router';
import './styles.css';

function Login({ onLogin }: { onLogin: (who: Whoami) => void }) {
	const [token, setToken] = useState('');
	const [error, setError] = useState('');
	return (
		<main class="login" id="main">
			<h1>esign-relay console</h1>
			<p>Sign in with the relay's admin token, or a subscriber token (rst_…) to see only its own subscriptions.</p>
			<form
				onSubmit={async (event) => {
					event.preventDefault();
					setError('');
					try {
						const who = await api<Whoami>('/whoami', { token: token.trim() });
						saveToken(token.trim());
						onLogin(who);
					} catch (failure) {
						setError((failure as Error).message);
					}
				}}
			>
				<label for="token">Token</label>
				<input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
				<button type="submit">Sign in</button>
				{error && (
					<p class="notice notice-error" role="alert">
						{error}
					</p>
				)}
			</form>
		</main>
	);
}

function App() {
	const [who, setWho] = useState<Whoami | null | undefined>(undefined);
	const [route, setRoute] = useState(currentRoute());
	useEffect(() => {
		const onHash = () => setRoute(currentRoute());
		addEventListener('hashchange', onHash);
		if (savedToken()) api<Whoami>('/whoami').then(setWho, () => setWho(null));
		else setWho(null);
		return () => removeEventListener('hashchange', onHash);
	}, []);
	useEffect(() => {
		const title = PAGES.find((item) => item.path === route.page)?.title;
		document.title = `${title} · esign-relay console`;
		// Moving focus to the page's heading tells keyboard and screen-reader users the page changed.
		document.querySelector<HTMLElement>('main h1')?.focus();
	}, [route.page, who]);
	if (who === undefined) return null;
	if (who === null) return <Login onLogin={setWho} />;
	const admin = who.kind === 'admin';
	return (
		<>
			<a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
				Skip to content
			</a>
			<header class="top">
				<span class="brand">esign-relay</span>
				<nav aria-label="Pages">
					<ul>
						{PAGES.map((item) => (
							<li key={item.path}>
								<a href={`#/${item.path}`} aria-current={route.page === item.path ? 'page' : undefined}>
									{item.title}
								</a>
							</li>
						))}
					</ul>
				</nav>
				<span class="who">
					{admin ? 'Admin' : `Subscriber: ${who.name ?? who.tokenId}`}
					<button
						type="button"
						class="secondary"
						onClick={() => {
							saveToken(null);
							setWho(null);
						}}
					>
						Sign out
					</button>
				</span>
			</header>
			<main id="main" tabIndex={-1}>
				{route.page === 'overview' && <Overview admin={admin} />}
				{route.page === 'documents' && <Documents route={route} />}
				{route.page === 'deliveries' && <Deliveries route={route} />}
				{route.page === 'subscriptions' && <Subscriptions />}
				{route.page === 'sources' && <Sources admin={admin} />}
			</main>
		</>
	);
}

render(<App />, document.getElementById('app')!);
