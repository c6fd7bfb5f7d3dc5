/** First run: what Backbone is and the three ways in. */
import { useOnboardingStore } from '../../stores/onboarding-store.js';
import './WelcomeScreen.css';

export function WelcomeScreen() {
  const choose = useOnboardingStore((s) => s.choose);
  return (
    <main className="screen narrow" aria-labelledby="welcome-title">
      <h1 id="welcome-title">Welcome to Backbone</h1>
      <p className="lede">
        An end-to-end encrypted vault. Your keys are made and kept on this device, protected by a
        password only you know. The server only ever sees encrypted data.
      </p>
      <div className="choices">
        <button type="button" className="choice primary" onClick={() => choose('create')}>
          <strong>Create a new identity</strong>
          <span>First time with Backbone: set a password and get your Emergency Kit.</span>
        </button>
        <button type="button" className="choice" onClick={() => choose('signin')}>
          <strong>Sign in with your password</strong>
          <span>You already use Backbone elsewhere and turned on sign-in with your password.</span>
        </button>
        <button type="button" className="choice" onClick={() => choose('restore')}>
          <strong>Restore from your Emergency Kit</strong>
          <span>You have your 24 words and want your identity back on this device.</span>
        </button>
      </div>
    </main>
  );
}
