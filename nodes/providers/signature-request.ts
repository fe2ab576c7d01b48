/**
 * Checks shared by the providers' one-shot "send for signature" implementations: which signer a
 * field belongs to, said once so every provider reports it the same way.
 */
import { ProviderInputError, type FieldInput, type SignatureRequestSigner } from './adapter';

/** The index of the signer a field names by role or email (case-insensitive). */
export function signerIndexOfField(signers: readonly SignatureRequestSigner[], field: FieldInput, fieldNumber: number): number {
	const wanted = field.role.trim().toLowerCase();
	const index = signers.findIndex(
		(signer) => signer.role.trim().toLowerCase() === wanted || signer.email.trim().toLowerCase() === wanted,
	);
	if (index === -1) {
		throw new ProviderInputError(
			`Field ${fieldNumber}: no signer has the role or email "${field.role}"`,
			`Use one of: ${signers.map((signer) => `"${signer.role}" / ${signer.email}`).join(', ')}.`,
		);
	}
	return index;
}

/** Fails before any request when the input cannot make a valid signature request. */
export function assertSignersPresent(signers: readonly SignatureRequestSigner[]): void {
	if (signers.length === 0) throw new ProviderInputError('Add at least one signer');
	const seen = new Set<string>();
	for (const signer of signers) {
		const role = signer.role.trim().toLowerCase();
		if (seen.has(role)) {
			throw new ProviderInputError(
				`Two signers share the role "${signer.role}"`,
				'Give each signer its own role (e.g. "Signer 1", "Signer 2"); fields name the role they belong to.',
			);
		}
		seen.add(role);
	}
}
