/**
 * The main-process end of the typed IPC contract: the only place `ipcMain` and
 * `webContents.send` appear. Every handler checks the sender frame and the arguments first.
 */
import { ipcMain, type WebContents } from 'electron';
import type { ZodType } from 'zod';
import type { BridgeEvent } from '../core/wire/bridge.ts';
import {
  EVENT_CHANNEL,
  HOST_CHANNELS,
  PARTICIPANT_CHANNELS,
  type HostArgs,
  type HostResult,
  type ParticipantArgs,
  type ParticipantResult,
} from './ipc-contract.ts';
import { checkRequest } from './ipc-schemas.ts';
import type { HostMethod, ParticipantMethod } from '../core/wire/bridge-methods.ts';
import { HOST_ARG_SCHEMAS, PARTICIPANT_ARG_SCHEMAS } from '../core/wire/bridge-schemas.ts';

export type ParticipantHandlers = {
  [M in ParticipantMethod]: (...args: ParticipantArgs<M>) => Promise<ParticipantResult<M>>;
};
export type HostHandlers = { [M in HostMethod]: (...args: HostArgs<M>) => Promise<HostResult<M>> };

function register<A extends unknown[], R>(
  channel: string,
  schema: ZodType<A>,
  trustedFiles: () => readonly string[],
  handler: (...args: A) => Promise<R>,
  warn: (message: string) => void,
): void {
  ipcMain.handle(channel, async (event, ...args) => {
    const checked = checkRequest(channel, event.senderFrame?.url, trustedFiles(), schema, args);
    if (!checked.ok) {
      warn(checked.error);
      throw new Error(checked.error);
    }
    return handler(...checked.args);
  });
}

/** Registers every bridge channel; `trustedFiles` lists the pages allowed to call (read per call). */
export function registerBridgeHandlers(
  participant: ParticipantHandlers,
  host: HostHandlers,
  trustedFiles: () => readonly string[],
  warn: (message: string) => void,
): void {
  for (const method of Object.keys(PARTICIPANT_CHANNELS) as ParticipantMethod[]) {
    register(
      PARTICIPANT_CHANNELS[method],
      PARTICIPANT_ARG_SCHEMAS[method] as ZodType<unknown[]>,
      trustedFiles,
      participant[method] as (...args: unknown[]) => Promise<unknown>,
      warn,
    );
  }
  for (const method of Object.keys(HOST_CHANNELS) as HostMethod[]) {
    register(
      HOST_CHANNELS[method],
      HOST_ARG_SCHEMAS[method] as ZodType<unknown[]>,
      trustedFiles,
      host[method] as (...args: unknown[]) => Promise<unknown>,
      warn,
    );
  }
}

/** Sends one engine event to a participant window, if it is still open. */
export function sendBridgeEvent(contents: WebContents, event: BridgeEvent): void {
  if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
}
