//! The local API listener (AWS JSON 1.1 + the agent protocol). App settings themselves
//! (auto-lock, clipboard, theme) are in `./session`.
import { commands } from "./bindings";
import type { ApiStatus } from "./bindings";
import { unwrap } from "./client";

export type { ApiStatus } from "./bindings";

export const getApiStatus = (): Promise<ApiStatus> => unwrap(commands.getApiStatus());

/** What the listener serves besides the AWS API: the Secrets Manager Agent protocol, acting
 * as the account root (`principal` "root", chosen on purpose) or as a user or role ARN. */
export type AgentOption = { principal: string } | null;

/** Starts listening on `listen` (a loopback `host:port`, e.g. `127.0.0.1:4599`). */
export const startApi = (listen: string, agent: AgentOption = null): Promise<ApiStatus> =>
  unwrap(
    commands.startApi(
      agent ? { listen, agent: true, agentPrincipal: agent.principal } : { listen, agent: false },
    ),
  );

export const stopApi = (): Promise<ApiStatus> => unwrap(commands.stopApi());
