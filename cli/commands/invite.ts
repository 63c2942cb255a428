import type { Command } from 'commander';
import type { InviteRecord } from '../../core/wire/protocol.ts';
import { formatFingerprint } from '../../core/crypto/identity.ts';
import { addConnectionFlags, connectFromFlags, type FlagsWithConnection } from '../operator-client.ts';

/** Registers `fedunify invite create|list|revoke`. */
export function registerInvite(program: Command): void {
  const invite = program.command('invite').description("Invite organizations to a hub's jobs.");
  addConnectionFlags(
    invite
      .command('create')
      .description('Create an invite and print the string to hand the organization.')
      .requiredOption('--name <org>', 'the organization invited')
      .option('--job <id>', "the job it joins (default: the hub's oldest waiting or running job)"),
  ).action(async (flags: FlagsWithConnection & { name: string; job?: string }) => {
    const client = await connectFromFlags(flags);
    const rec = await client.request<InviteRecord>('POST', '/api/invites', {
      name: flags.name,
      jobId: flags.job ?? null,
    });
    console.log(
      `Invite ${rec.id} for ${rec.name}${rec.jobId ? ` (job ${rec.jobId})` : ''}. Give them this line:`,
    );
    console.log(rec.invite);
  });
  addConnectionFlags(invite.command('list').description('List invites.')).action(
    async (flags: FlagsWithConnection) => {
      const client = await connectFromFlags(flags);
      const list = await client.request<InviteRecord[]>('GET', '/api/invites');
      if (list.length === 0) console.log('No invites yet: fedunify invite create --name "Org A".');
      for (const i of list) {
        console.log(
          `${i.id}  ${i.revoked ? 'revoked' : 'active '}  ${i.jobId ?? '(any job)'}  ${i.name}  ${i.createdAt}  key ${i.keyFingerprint ? formatFingerprint(i.keyFingerprint) : '(not enrolled yet)'}`,
        );
      }
    },
  );
  addConnectionFlags(
    invite
      .command('revoke')
      .description('Revoke an invite and disconnect its participants.')
      .argument('<id>'),
  ).action(async (id: string, flags: FlagsWithConnection) => {
    const client = await connectFromFlags(flags);
    const res = await client.request<{ disconnected: number }>(
      'DELETE',
      `/api/invites/${encodeURIComponent(id)}`,
    );
    console.log(`Invite ${id} revoked; ${res.disconnected} participant connection(s) closed.`);
  });
}
