/**
 * The operator console (/console) in a real browser: Chromium driven by Playwright against the
 * built relay (relay/dist, as users run it), the SignNow simulator sending signed callbacks,
 * and the fault suite's sinks standing in for n8n. No n8n: what is checked is what a team sees.
 *
 *   - signing in with the admin token; a document's timeline after a simulated signing;
 *   - a dead-lettered delivery replayed from the console, then delivered;
 *   - a source added from the console taking its first event;
 *   - a subscriber token seeing only its own subscriptions.
 *
 * Screenshots of every page (1280×800, and the timeline on a phone) go to $E2E_SCREENSHOTS
 * (E2E_SCREENSHOTS=docs/images refreshes the ones docs/console.md shows), else to a temporary
 * folder that is removed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { generateSecret, signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { Sink } from '../faults/harness/sink';
import { contractPdf } from '../helpers/pdf';
import { startSignNowSimulator, type SignNowSimulator } from '../simulators/signnow';
import { CHROMIUM, CHROMIUM_ARGS } from './harness/editor';
import { RelayProcess } from './harness/relay';
import { SignNowUser } from './harness/signnow';
import { http, waitFor } from './harness/util';

const UI_TIMEOUT = 30_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const shotsDir = process.env.E2E_SCREENSHOTS ? resolve(process.env.E2E_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'esign-console-shots-'));

let simulator: SignNowSimulator;
let relay: RelayProcess;
let contracts: Sink;
let archive: Sink;
let tenant: Sink;
let context: BrowserContext;
let userDataDir: string;
let page: Page;
const signNowSecret = randomBytes(24).toString('hex');
let subscriberToken = '';

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
	const answer = await relay.admin<T>(method, path, body);
	if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
	return answer.body;
}

async function shot(name: string, viewport = DESKTOP): Promise<void> {
	await page.setViewportSize(viewport);
	await page.screenshot({ path: join(shotsDir, `console-${name}.png`), animations: 'disabled', caret: 'hide', fullPage: false });
	await page.setViewportSize(DESKTOP);
}

/** The number after `label` in a counters list's text ("Received12Rejected0…"). */
function counter(text: string | null, label: string): number {
	const match = new RegExp(`${label}\\s*([\\d,]+)`).exec(text ?? '');
	return match ? Number(match[1].replace(/,/g, '')) : -1;
}

async function signIn(token: string): Promise<void> {
	await page.goto(`${relay.baseUrl}/console/`);
	await page.getByLabel('Token').fill(token);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}

beforeAll(async () => {
	mkdirSync(shotsDir, { recursive: true });
	simulator = await startSignNowSimulator();
	contracts = await Sink.start('contracts');
	// The archive workflow's n8n answers 500 until the test repairs it.
	archive = await Sink.start('archive', { kind: 'fail', status: 500 });
	tenant = await Sink.start('tenant');
	relay = await RelayProcess.start({
		sources: [{ id: 'signnow', type: 'signnow', secrets: [signNowSecret] }],
		// Two attempts 100 ms apart: a failing target is dead-lettered within a second.
		env: { RELAY_RETRY_SCHEDULE: '100ms', RELAY_RETRY_JITTER: '0', RELAY_LOG_LEVEL: 'warn' },
	});
	// What the E-Signature Trigger sends when a workflow is activated (nodes/ESignTrigger/trigger.ts).
	const contractsSub = await admin<{ id: string; secret: string }>('POST', '/v1/subscriptions', {
		url: contracts.url,
		providers: ['signnow'],
		description: 'n8n workflow "Contracts to CRM", node "E-Signature Trigger"',
	});
	contracts.setSecret(contractsSub.secret);
	const archiveSub = await admin<{ id: string; secret: string }>('POST', '/v1/subscriptions', {
		url: archive.url,
		eventTypes: ['document.completed'],
		description: 'n8n workflow "Archive signed PDFs", node "E-Signature Trigger"',
	});
	archive.setSecret(archiveSub.secret);
	// Another team's n8n, with its own subscriber token.
	subscriberToken = (await admin<{ token: string }>('POST', '/v1/tokens', { name: 'Team B n8n' })).token;
	const tenantSub = await http(`${relay.baseUrl}/v1/subscriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${subscriberToken}`, 'content-type': 'application/json' },
		body: JSON.stringify({ url: tenant.url, sources: ['team-b'], description: 'n8n workflow "Team B intake", node "E-Signature Trigger"' }),
	});
	expect(tenantSub.status).toBe(201);

	userDataDir = mkdtempSync(join(tmpdir(), 'esign-e2e-chromium-'));
	context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: DESKTOP,
		timeout: UI_TIMEOUT,
		permissions: ['clipboard-read', 'clipboard-write'],
	});
	context.setDefaultTimeout(UI_TIMEOUT);
	page = context.pages()[0] ?? (await context.newPage());
}, 5 * 60_000);

afterAll(async () => {
	await context?.close().catch(() => undefined);
	if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
	await relay?.dispose();
	await Promise.all([contracts?.close(), archive?.close(), tenant?.close()]);
	await simulator?.close();
	if (process.env.E2E_SCREENSHOTS) console.log(`console screenshots in ${shotsDir}`);
	else rmSync(shotsDir, { recursive: true, force: true });
});

describe('operator console', () => {
	let documentId = '';

	it('refuses a wrong token, then signs in with the admin token', async () => {
		await page.goto(`${relay.baseUrl}/console/`);
		await page.getByLabel('Token').waitFor();
		await shot('login');
		// Keyboard: Tab reaches the token field, then the button, and focus is drawn.
		await page.keyboard.press('Tab');
		await expect(page.evaluate('document.activeElement.id')).resolves.toBe('token');
		await page.keyboard.press('Tab');
		await expect(page.evaluate('document.activeElement.textContent')).resolves.toBe('Sign in');
		await expect(page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).resolves.toBe('solid');
		await page.getByLabel('Token').fill('not-the-token-at-all');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByRole('alert').textContent()).resolves.toMatch(/neither the relay admin token nor a valid subscriber token/);
		await signIn(relay.apiToken);
		await expect(page.locator('.who').textContent()).resolves.toContain('Admin');
	});

	it("shows a document's timeline after a simulated signing: every event, where it went, with its badges", async () => {
		const signNow = new SignNowUser(simulator);
		for (const event of ['document.fieldinvite.create', 'document.complete']) {
			await signNow.subscribe(event, relay.ingestUrl('signnow'), signNowSecret);
		}
		documentId = await signNow.prepare(contractPdf('Console contract', 1), 'Console contract', 'signer@example.com');
		await signNow.sign(documentId);
		await simulator.settled();
		await waitFor('the completed event delivered to the contracts workflow', () => contracts.executions().some((a) => a.body?.documentId === documentId), 20_000);

		// Found from the list of recent documents, without knowing its id.
		await page.getByRole('link', { name: 'Documents' }).click();
		const recent = page.getByRole('list', { name: 'Recent documents' });
		await recent.getByRole('link', { name: documentId }).waitFor();
		await shot('documents');
		await recent.getByRole('link', { name: documentId }).click();
		await expect(page.getByLabel('Document id (as the provider names it)').inputValue()).resolves.toBe(documentId);
		const events = page.getByTestId('timeline-event');
		await waitFor('two events on the timeline', async () => (await events.count()) >= 2, UI_TIMEOUT);
		await expect(events.first().textContent()).resolves.toContain('Invite sent');
		const completed = events.filter({ hasText: 'Signed by everyone' });
		await expect(completed.textContent()).resolves.toContain('Contracts to CRM');
		// The archive workflow's n8n answers 500: that delivery ends in the dead-letter queue.
		await waitFor('the archive delivery dead-lettered', async () => /Dead letter[\s\S]*Archive signed PDFs/.test((await completed.textContent()) ?? ''), UI_TIMEOUT);
		await expect(completed.textContent()).resolves.toContain('HTTP 500 Internal Server Error');
		const steps = page.getByRole('list', { name: 'Progress' });
		await expect(steps.textContent()).resolves.toMatch(/Uploaded: done.*Invite sent: done.*Signed: done.*Delivered to n8n: done/);
		await shot('timeline');
		await shot('timeline-phone', PHONE);
	});

	it('replays a dead-lettered delivery, which is then delivered', async () => {
		archive.setBehaviour({ kind: 'ok' });
		await page.getByRole('link', { name: 'Deliveries' }).click();
		await page.getByRole('link', { name: 'Dead letter' }).click();
		const dead = page.getByTestId('delivery');
		await dead.first().waitFor();
		expect(await dead.count()).toBe(1);
		await expect(dead.first().textContent()).resolves.toContain('HTTP 500 Internal Server Error');
		await shot('dead-letters');
		// By keyboard: the replay button is reachable and works with Enter.
		await dead.first().getByRole('button', { name: /^Replay/ }).focus();
		await page.keyboard.press('Enter');
		await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
		await waitFor('the replayed delivery at the archive workflow', () => archive.attempts.some((a) => a.status === 200 && a.body?.documentId === documentId), UI_TIMEOUT);
		await page.getByRole('link', { name: 'Delivered' }).click();
		await waitFor(
			'the archive delivery listed as delivered',
			async () => (await page.getByTestId('delivery').filter({ hasText: 'HTTP 200' }).filter({ hasText: 'HTTP 500' }).count()) === 1,
			UI_TIMEOUT,
		);
		await shot('deliveries');
	});

	it('adds a source, which takes its first event at once', async () => {
		const secret = generateSecret();
		await page.getByRole('link', { name: 'Sources' }).click();
		await page.getByLabel('Source id (the end of the ingest URL)').fill('signbee');
		await page.getByLabel('Provider type').selectOption('standard-webhooks');
		await page.getByLabel('Webhook secret (from the provider)').fill(secret);
		await page.getByRole('button', { name: 'Add source' }).click();
		await page.getByRole('status').filter({ hasText: 'Source "signbee" added' }).waitFor();
		const card = page.getByTestId('source-signbee');
		await expect(card.textContent()).resolves.toContain(`${relay.baseUrl}/ingest/signbee`);
		// Never the secret itself, only its last characters.
		await expect(card.textContent()).resolves.not.toContain(secret);
		await expect(card.textContent()).resolves.toContain(secret.slice(-4));
		await card.getByRole('button', { name: 'Copy the ingest URL of signbee' }).click();
		await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(`${relay.baseUrl}/ingest/signbee`);

		const body = JSON.stringify({ type: 'document.signed', timestamp: new Date().toISOString(), data: { document_id: 'sb-1', title: 'Signbee contract' } });
		const answer = await http(relay.ingestUrl('signbee'), {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...signedHeaders(secret, 'msg_sb_1', Math.floor(Date.now() / 1000), body) },
			body,
		});
		expect(answer.status).toBe(200);
		await page.getByRole('link', { name: 'Documents' }).click();
		await page.getByLabel('Document id (as the provider names it)').fill('sb-1');
		await page.keyboard.press('Enter');
		await waitFor('the signbee event on its timeline', async () => /from\s*signbee/.test((await page.getByTestId('timeline-event').first().textContent().catch(() => '')) ?? ''), UI_TIMEOUT);
		await page.getByRole('link', { name: 'Sources' }).click();
		await card.waitFor();
		await shot('sources');
	});

	it('shows live counters and the last hour', async () => {
		// A callback signed with the wrong secret: refused, and counted by reason.
		const forged = JSON.stringify({ meta: { event: 'document.complete', timestamp: Math.floor(Date.now() / 1000) }, content: { document_id: 'forged' } });
		const refused = await http(relay.ingestUrl('signnow'), {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-signnow-signature': 'f'.repeat(64) },
			body: forged,
		});
		expect(refused.status).toBe(401);
		await page.getByRole('link', { name: 'Overview' }).click();
		const hour = page.getByTestId('last-hour');
		// Two SignNow callbacks (invite sent, completed) and the signbee event, counted through Redis.
		await waitFor('the last hour counted', async () => counter(await hour.textContent(), 'Received') >= 3, 15_000);
		expect(counter(await hour.textContent(), 'Delivered')).toBeGreaterThanOrEqual(2);
		expect(counter(await hour.textContent(), 'Dead-lettered')).toBe(1);
		await waitFor('the refusal counted', async () => counter(await hour.textContent(), 'Rejected') === 1, 15_000);
		await expect(page.locator('.reasons').textContent()).resolves.toBe('bad_signature: 1');
		await expect(page.getByRole('img', { name: /Events per minute, last hour/ }).count()).resolves.toBe(1);
		await page.getByRole('link', { name: 'Subscriptions' }).click();
		await page.getByText('Contracts to CRM', { exact: true }).waitFor();
		await shot('subscriptions');
		await page.getByRole('link', { name: 'Overview' }).click();
		await hour.waitFor();
		await shot('overview');
		await shot('overview-phone', PHONE);
	});

	it('shows a subscriber token only its own subscriptions', async () => {
		await page.getByRole('button', { name: 'Sign out' }).click();
		await signIn(subscriberToken);
		await expect(page.locator('.who').textContent()).resolves.toContain('Team B n8n');
		await page.getByRole('link', { name: 'Subscriptions' }).click();
		await page.getByText('Team B intake', { exact: true }).waitFor();
		const rows = page.locator('tbody tr');
		expect(await rows.count()).toBe(1);
		await expect(page.locator('main').textContent()).resolves.not.toMatch(/Contracts to CRM|Archive signed PDFs/);
		// The other tenants' document and deliveries do not exist for it.
		await page.getByRole('link', { name: 'Documents' }).click();
		await page.getByLabel('Document id (as the provider names it)').fill(documentId);
		await page.keyboard.press('Enter');
		await page.getByRole('alert').filter({ hasText: 'No event of document' }).waitFor();
		await page.getByRole('link', { name: 'Deliveries' }).click();
		await page.getByRole('link', { name: 'Delivered' }).click();
		await page.getByRole('status').filter({ hasText: 'No delivered deliveries' }).waitFor();
		// And no source secrets, not even their hints; no adding sources.
		await page.getByRole('link', { name: 'Sources' }).click();
		await page.getByTestId('source-signnow').waitFor();
		await expect(page.locator('main').textContent()).resolves.not.toContain('characters');
		expect(await page.getByRole('button', { name: 'Add source' }).count()).toBe(0);
	});
});
