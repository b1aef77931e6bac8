import { FormEvent, useState } from 'react';
import type { Identity } from '../shared/session';

const USER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Pick a name: the user id others address you by, and the name they see. */
export function SignIn(props: { onSignIn: (identity: Identity) => void }) {
  const [userId, setUserId] = useState('');
  const [name, setName] = useState('');
  const valid = USER_ID.test(userId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (valid) props.onSignIn({ userId, name: name.trim() || userId });
  };
  return (
    <main className="sign-in">
      <h1>Switchboard</h1>
      <form onSubmit={submit}>
        <label>
          User id
          <input
            name="userId"
            value={userId}
            autoFocus
            placeholder="alice"
            onChange={(event) => setUserId(event.target.value)}
          />
        </label>
        <label>
          Display name
          <input
            name="displayName"
            value={name}
            placeholder="Alice"
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <button type="submit" disabled={!valid}>
          Sign in
        </button>
        <p className="hint">
          Development sign-in: `npm start` signs a token for any name. Ids are letters, digits, ".",
          "_" and "-".
        </p>
      </form>
    </main>
  );
}
