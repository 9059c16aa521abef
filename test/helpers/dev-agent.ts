import { after, before } from 'node:test';
import { rmSync } from 'node:fs';
import { startAgentProcess, type AgentProcess } from './agent-process.js';

/** One HTTP reply as the integration tests read it; `json()` parses `text`. */
export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: () => any;
}

/** A `-dev` agent process shared by the tests of one file. */
export interface DevAgent {
  /** The running agent; set once the `before` hook has run (i.e. inside tests). */
  readonly agent: AgentProcess;
  /** One HTTP request to the agent; `body`, when given, is sent as JSON. */
  call(method: string, path: string, body?: unknown): Promise<HttpReply>;
}

/**
 * Registers `before`/`after` hooks that start one `-dev` agent process for the calling test file and, afterwards,
 * stop it by PID and remove its data dir. Call at module top level.
 */
export function useDevAgent(): DevAgent {
  let agent: AgentProcess | undefined;
  before(async () => {
    agent = await startAgentProcess(undefined, { dev: true });
  });
  after(async () => {
    if (agent === undefined) return;
    await agent.kill();
    rmSync(agent.dataDir, { recursive: true, force: true });
  });
  const running = (): AgentProcess => {
    if (agent === undefined) throw new Error('the dev agent is not started (use it inside tests)');
    return agent;
  };
  return {
    get agent() {
      return running();
    },
    async call(method, path, body) {
      const res = await fetch(`${running().httpAddr}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as any };
    },
  };
}
