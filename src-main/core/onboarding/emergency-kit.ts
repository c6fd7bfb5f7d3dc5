/**
 * The Emergency Kit during onboarding: the 24 words (the root secret) shown once so the user
 * writes them down or prints them, then three of them typed back to prove it.
 */
import {
  EMERGENCY_KIT_TITLE,
  emergencyKitWords,
  normalizeEmergencyKitInput,
  randomBytes,
} from '../../../src-shared/crypto/index.js';
import { BackboneError } from '../../../src-shared/errors.js';
import type { IpcRequest, IpcResponse, SessionState } from '../../../src-shared/ipc/contract.js';
import type { CoreContext } from '../core-context.js';
import type { SessionManager } from '../session/session-manager.js';

function pickPositions(count: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < count) {
    const [byte] = randomBytes(1);
    const position = ((byte ?? 0) % 24) + 1;
    if ((byte ?? 0) < 240) chosen.add(position); // 240 = 10 × 24: no modulo bias
  }
  return [...chosen].sort((a, b) => a - b);
}

export interface EmergencyKitCheckDeps {
  ctx: Pick<CoreContext, 'appState'>;
  session: Pick<SessionManager, 'withRootSecret' | 'transition'>;
}

/**
 * The onboarding step that shows the kit and checks three of its words: the positions asked
 * for are this step's own state, from `show` to a successful `confirm`.
 */
export class EmergencyKitCheck {
  #challenge: number[] | undefined;

  constructor(private readonly deps: EmergencyKitCheckDeps) {}

  async show(): Promise<IpcResponse<'onboarding.emergencyKit'>> {
    await this.#requireUnconfirmed();
    const words = this.deps.session.withRootSecret((rs) => emergencyKitWords(rs));
    this.#challenge = pickPositions(3);
    return { title: EMERGENCY_KIT_TITLE, words, confirm: [...this.#challenge] };
  }

  confirm(request: IpcRequest<'onboarding.confirmEmergencyKit'>): Promise<SessionState> {
    const { ctx, session } = this.deps;
    return session.transition(
      async () => {
        await this.#requireUnconfirmed();
        const challenge = this.#challenge;
        if (!challenge) {
          throw new BackboneError('SESSION_WRONG_STATE', 'Show the Emergency Kit first.');
        }
        const positions = request.answers.map((a) => a.position).sort((a, b) => a - b);
        if (positions.join() !== challenge.join()) {
          throw new BackboneError(
            'INVALID_ARGUMENT',
            `Type the words at positions ${challenge.join(', ')}.`,
          );
        }
        const words = session.withRootSecret((rs) => emergencyKitWords(rs));
        for (const answer of [...request.answers].sort((a, b) => a.position - b.position)) {
          const typed = normalizeEmergencyKitInput(answer.word);
          if (typed.length !== 1 || typed[0] !== words[answer.position - 1]) {
            throw new BackboneError(
              'KIT_INVALID',
              `Word ${answer.position} does not match your Emergency Kit. Look at the kit again and retype it.`,
            );
          }
        }
        this.#challenge = undefined;
        await ctx.appState.update((s) => ({ ...s, kitConfirmed: true }));
      },
      { restart: false },
    );
  }

  async #requireUnconfirmed(): Promise<void> {
    if ((await this.deps.ctx.appState.read()).kitConfirmed) {
      throw new BackboneError(
        'SESSION_WRONG_STATE',
        'The Emergency Kit was already confirmed. To see it again, use Settings → Emergency Kit (it asks for your password).',
      );
    }
  }
}
