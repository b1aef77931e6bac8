import { createRoot } from 'react-dom/client';
import { useState } from 'react';
import { ChatPage } from './chat/chat-page';
import { SignIn } from './chat/sign-in';
import { DashboardPage } from './dashboard/dashboard-page';
import { AppConfig, loadAppConfig } from './shared/config';
import { Identity, storedIdentity, storeIdentity } from './shared/session';
import './styles.css';

function App(props: { config: AppConfig }) {
  const [identity, setIdentity] = useState<Identity | null>(storedIdentity);
  if (window.location.pathname === '/dashboard') return <DashboardPage config={props.config} />;
  const signIn = (next: Identity | null) => {
    storeIdentity(next);
    setIdentity(next);
  };
  if (!identity) return <SignIn onSignIn={signIn} />;
  return <ChatPage config={props.config} identity={identity} onSignOut={() => signIn(null)} />;
}

const root = createRoot(document.getElementById('root') as HTMLElement);
loadAppConfig().then(
  (config) => root.render(<App config={config} />),
  (error: unknown) =>
    root.render(<p className="error">Cannot load config.json: {String(error)}</p>),
);
