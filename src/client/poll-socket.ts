// 'long-polling': one held GET at a time (/connection/poll), answered with what is queued:
// {"session"?, "messages":[{"seq","m"}…], "close"?}. The next GET (with `ack`) goes out
// as soon as an answer is in, so the server always has one to answer.

import { HttpSocket } from './http-socket.js';

interface PollAnswer {
  session?: unknown;
  messages?: Array<{ seq?: unknown; m?: unknown }>;
  close?: unknown;
}

export class PollSocket extends HttpSocket {
  protected openDown(): void {
    void this.poll(this.url('poll', true), this.newDown());
  }

  private async poll(url: string, signal: AbortSignal): Promise<void> {
    let answer: PollAnswer;
    try {
      const response = await this.fetch(url, { cache: 'no-store', signal });
      if (!response.ok) {
        await this.refused(response);
        return;
      }
      answer = (await response.json()) as PollAnswer;
      if (answer === null || typeof answer !== 'object' || (answer.messages !== undefined && !Array.isArray(answer.messages))) {
        throw new Error('not a poll answer');
      }
    } catch (error) {
      if (!signal.aborted) this.dropped(`the poll failed: ${(error as Error).message}`);
      return;
    }
    this.alive();
    if (this.readyState === 0) this.opened(answer.session);
    for (const message of answer.messages ?? []) {
      if (this.readyState !== 1) return;
      this.received(message.seq, JSON.stringify(message.m));
    }
    if (answer.close !== undefined) this.closedByServer(answer.close);
    else if (this.readyState === 1) this.openDown();
  }
}
