/**
 * n8n's editor in a real browser: Playwright (playwright-core, no browser download) driving
 * Debian's Chromium, signed in as the owner the harness creates. Selectors are n8n's own
 * `data-test-id` attributes (read from n8n-editor-ui 2.40.7's bundle), never layout classes.
 *
 * Every wait is a wait for something to appear, with generous timeouts: the machine is shared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, selectors, type BrowserContext, type Locator, type Page } from 'playwright-core';

import { OWNER } from './n8n';

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps calling hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/**
 * How long any one thing may take to appear in the editor (n8n and the browser share 2 cores
 * with others). E2E_UI_TIMEOUT (ms) shortens it to see quickly what fails on a layout expected to fail.
 */
export const UI_TIMEOUT = Number(process.env.E2E_UI_TIMEOUT ?? 90_000);

/** One entry of the node panel (node creator): a node, or one of a node's actions/triggers. */
export interface PanelItem {
	kind: 'node' | 'action';
	name: string;
	description: string;
	/** The node type it adds, e.g. `n8n-nodes-esign.signNow` (from `data-keyboard-nav-id`). */
	nodeType: string;
}

let testIdSet = false;

export class Editor {
	private constructor(
		private readonly context: BrowserContext,
		private readonly userDataDir: string,
		readonly baseUrl: string,
		public page: Page,
	) {}

	static async launch(baseUrl: string): Promise<Editor> {
		if (!testIdSet) {
			selectors.setTestIdAttribute('data-test-id');
			testIdSet = true;
		}
		const userDataDir = mkdtempSync(join(tmpdir(), 'esign-e2e-chromium-'));
		let context: BrowserContext;
		try {
			context = await chromium.launchPersistentContext(userDataDir, {
				executablePath: CHROMIUM,
				headless: true,
				args: CHROMIUM_ARGS,
				viewport: { width: 1400, height: 900 },
				timeout: UI_TIMEOUT,
			});
		} catch (error) {
			rmSync(userDataDir, { recursive: true, force: true });
			throw new Error(`Chromium (${CHROMIUM}) did not start: ${(error as Error).message}`);
		}
		context.setDefaultTimeout(UI_TIMEOUT);
		context.setDefaultNavigationTimeout(UI_TIMEOUT);
		const page = context.pages()[0] ?? (await context.newPage());
		return new Editor(context, userDataDir, baseUrl, page);
	}

	/** Signs in through n8n's sign-in form, as a person does. */
	async signIn(): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`);
		await this.page.getByTestId('emailOrLdapLoginId').locator('input').fill(OWNER.email);
		await this.page.getByTestId('password').locator('input').fill(OWNER.password);
		await this.page.keyboard.press('Enter');
		await this.page.waitForURL((url) => !url.pathname.startsWith('/signin'));
	}

	/**
	 * A new tab of the same signed-in browser: each check starts from a clean editor, and an
	 * unsaved canvas left behind cannot hold a "leave page?" prompt in front of the next one.
	 */
	async freshPage(): Promise<Page> {
		const old = this.page;
		this.page = await this.context.newPage();
		await old.close({ runBeforeUnload: false });
		return this.page;
	}

	async close(): Promise<void> {
		await this.context.close().catch(() => undefined);
		rmSync(this.userDataDir, { recursive: true, force: true });
	}

	/** The node panel of an empty workflow: "What triggers this workflow?". */
	async openTriggerPanel(): Promise<Locator> {
		const page = await this.freshPage();
		await page.goto(`${this.baseUrl}/workflow/new`);
		await page.getByTestId('canvas-add-button').click();
		return await this.nodeCreator();
	}

	/** The node panel after a workflow's first node: "What happens next?". */
	async openActionPanel(workflowId: string): Promise<Locator> {
		const page = await this.freshPage();
		await page.goto(`${this.baseUrl}/workflow/${workflowId}`);
		await page.getByTestId('canvas-node').first().waitFor();
		// The canvas' own "+" button, not the node's output handle: the canvas re-renders (and
		// re-creates the handle) while it fits the view, the button stays.
		await page.getByTestId('node-creator-plus-button').click();
		return await this.nodeCreator();
	}

	private async nodeCreator(): Promise<Locator> {
		const creator = this.page.getByTestId('node-creator');
		await creator.getByTestId('node-creator-search-bar').waitFor();
		return creator;
	}

	/**
	 * Types `text` into the node panel's search box and returns the node entries found, once
	 * the list shows either results or "No results".
	 */
	async search(text: string): Promise<PanelItem[]> {
		const creator = this.page.getByTestId('node-creator');
		await creator.getByTestId('node-creator-search-bar').fill(text);
		// The results are filtered as one types; an entry matching the text (or "No results")
		// means this search's results are shown, not the previous list.
		await creator
			.getByTestId('node-creator-item-name')
			.filter({ hasText: new RegExp(escapeRegExp(text.split(' ')[0]), 'i') })
			.first()
			.or(creator.getByTestId('node-creator-no-results'))
			.first()
			.waitFor();
		return await this.listed('node');
	}

	/** Opens the node entry named `name` and returns its actions and triggers. */
	async openNode(name: string): Promise<PanelItem[]> {
		const creator = this.page.getByTestId('node-creator');
		await this.item(name, 'node').click();
		await creator.locator('[data-test-id=item-iterator-item][data-keyboard-nav-type=action]').first().waitFor();
		return await this.listed('action');
	}

	/** A node panel entry by its exact name. */
	item(name: string, kind: PanelItem['kind']): Locator {
		return this.page
			.getByTestId('node-creator')
			.locator(`[data-test-id=item-iterator-item][data-keyboard-nav-type=${kind}]`)
			.filter({ has: this.page.getByTestId('node-creator-item-name').getByText(name, { exact: true }) });
	}

	/** Expands every collapsed "Triggers (n)" / "Actions (n)" section of an opened node. */
	async expandSections(): Promise<void> {
		const collapsed = this.page.locator('[data-test-id=node-creator-category-item][data-category-collapsed=true]');
		for (let sections = await collapsed.count(); sections > 0; sections--) {
			const before = sections;
			await collapsed.first().click();
			// Wait for this section to open before looking for the next.
			await expectFewer(collapsed, before);
		}
	}

	/** The entries the node panel shows now. */
	async listed(kind: PanelItem['kind']): Promise<PanelItem[]> {
		const found = await this.page
			.getByTestId('node-creator')
			.locator(`[data-test-id=item-iterator-item][data-keyboard-nav-type=${kind}]`)
			.evaluateAll((elements) =>
				elements.map((element) => ({
					name: element.querySelector('[data-test-id=node-creator-item-name]')?.textContent?.trim() ?? '',
					description:
						element.querySelector('[data-test-id=node-creator-item-description]')?.textContent?.trim() ?? '',
					navId: element.getAttribute('data-keyboard-nav-id') ?? '',
				})),
			);
		// The nav id is "<node type>-<uuid>".
		return found.map(({ name, description, navId }) => ({
			kind,
			name,
			description,
			nodeType: navId.replace(/-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, ''),
		}));
	}

	/** Clicks an action of the opened node: n8n adds the node and opens its parameters (NDV). */
	async addAction(name: string): Promise<Locator> {
		await this.item(name, 'action').first().click();
		const ndv = this.page.getByTestId('ndv');
		await ndv.getByTestId('node-parameters').waitFor();
		return ndv;
	}

	/**
	 * Opens the node's credential dialog ("Connect to …" / "Create new credential") and returns
	 * what its credential type picker offers: each choice's label and the credential type it
	 * selects (the dialog's subtitle, e.g. "SignNow OAuth2 API"). A node with one credential
	 * type has no picker: one choice, labelled by that type.
	 */
	async credentialChoices(pickerScreenshot?: string): Promise<Array<{ label: string; credentialType: string }>> {
		const page = this.page;
		const ndv = page.getByTestId('ndv');
		const slot = ndv.getByTestId('node-credentials-slot');
		await slot.getByTestId('node-credentials-empty-state').or(slot.getByTestId('node-credentials-select')).first().click();
		if (await slot.getByTestId('node-credentials-select').isVisible()) {
			await page.getByTestId('node-credentials-select-item-new').click();
		}
		const modal = page.getByTestId('editCredential-modal');
		const dialog = modal.getByTestId('credential-edit-dialog');
		await dialog.waitFor();
		const typeName = modal.getByTestId('credential-name').locator('xpath=../../p');
		const picker = modal.getByTestId('credential-mode-dropdown-trigger');
		// The picker renders with the dialog's first paint, or not at all.
		await modal.getByTestId('credential-save-button').waitFor();
		const shootDialog = async (file: string): Promise<void> => {
			// From the dialog's title (name and credential type) to the end of its form.
			const title = await modal.getByTestId('credential-name').locator('xpath=../../..').boundingBox();
			const body = await dialog.boundingBox();
			if (!title || !body) throw new Error('the credential dialog has no layout box to screenshot');
			const x = Math.max(0, Math.min(title.x, body.x) - 16);
			const y = Math.max(0, title.y - 16);
			const right = Math.max(title.x + title.width, body.x + body.width) + 16;
			await page.screenshot({ path: file, clip: { x, y, width: right - x, height: body.y + body.height - y }, animations: 'disabled', caret: 'hide' });
		};
		if (!(await picker.isVisible())) {
			if (pickerScreenshot) await shootDialog(pickerScreenshot);
			return [{ label: '(no picker)', credentialType: (await typeName.innerText()).trim() }];
		}
		const menu = async (): Promise<Locator> => {
			await picker.click();
			const id = await picker.getAttribute('id');
			const opened = page.locator(`[role=menu]${id ? `[aria-labelledby="${id}"]` : ''}`).last();
			await opened.waitFor();
			return opened;
		};
		// No Escape key here: in this dialog it asks "Close without connecting?".
		let opened = await menu();
		const labels = (await opened.getByRole('menuitem').allInnerTexts()).map((label) => label.trim());
		// The open menu lies over the dialog: a screenshot of the dialog's area shows both.
		if (pickerScreenshot) await shootDialog(pickerScreenshot);
		const choices: Array<{ label: string; credentialType: string }> = [];
		for (const [index, label] of labels.entries()) {
			if (index > 0) opened = await menu();
			await opened.getByRole('menuitem').nth(index).click();
			await opened.waitFor({ state: 'hidden' });
			// The picker shows the chosen label once the dialog switched to that credential type.
			await picker.filter({ hasText: label }).waitFor();
			choices.push({ label, credentialType: (await typeName.innerText()).trim() });
		}
		return choices;
	}

	/** A full-page screenshot, for a check that failed: what the editor showed at that moment. */
	async shootPage(file: string): Promise<void> {
		await this.page.screenshot({ path: file, timeout: 30_000 }).catch(() => undefined);
	}

	/** Screenshot of one element, cropped to it, as PNG. */
	async shoot(target: Locator, file: string): Promise<void> {
		await target.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
	}
}

async function expectFewer(locator: Locator, than: number): Promise<void> {
	const deadline = Date.now() + UI_TIMEOUT;
	while ((await locator.count()) >= than) {
		if (Date.now() > deadline) throw new Error(`a collapsed section of the node panel did not open within ${UI_TIMEOUT} ms`);
		await locator.page().waitForTimeout(100);
	}
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
