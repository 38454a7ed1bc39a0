/**
 * The React sample: the app's WebSocket connection, watched from React.
 *
 * The page shows the connection as the client itself sees it (the supervisor's running child,
 * reached with `childOf`), the supervisor's state and its restart count, and sends what the
 * user types to the app, which hands it to the connection.
 */
import { useActorRef, useSelector } from '@xstate/react';
import { type FormEvent, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { ActorRefFrom } from 'xstate';
import { childOf, childSnapshotOf } from '../../src/index.js';
import { app, type connection } from './machine.js';

type Connection = ActorRefFrom<typeof connection>;

/** `connected`, `connecting`, or `disconnected` while no client runs, from the client itself. */
function useClientStatus(supervisor: Connection) {
  // A new actor on each restart; undefined while the supervisor backs off.
  const client = useSelector(supervisor, childOf);
  const running = useSelector(supervisor, (s) => childSnapshotOf(s)?.status === 'active');
  const [opened, setOpened] = useState<typeof client>();
  useEffect(() => {
    const subscription = client?.on('open', () => setOpened(client));
    return () => subscription?.unsubscribe();
  }, [client]);
  if (!client || !running) return 'disconnected';
  return opened === client ? 'connected' : 'connecting';
}

function Status({ supervisor }: { supervisor: Connection }) {
  const status = useClientStatus(supervisor);
  const state = useSelector(supervisor, (s) =>
    s.matches('running') ? 'running' : s.matches('backingOff') ? 'backingOff' : s.status,
  );
  const restarts = useSelector(supervisor, (s) => s.context.restarts);
  const delayMs = useSelector(supervisor, (s) => s.context.nextDelayMs);
  return (
    <dl>
      <dt>Connection</dt>
      <dd id="connection">{status}</dd>
      <dt>Supervisor</dt>
      <dd id="supervisor">
        {state}
        {state === 'backingOff' && ` (reconnecting in ${delayMs} ms)`}
      </dd>
      <dt>Restarts</dt>
      <dd id="restarts">{restarts}</dd>
    </dl>
  );
}

function App({ url }: { url: string }) {
  const appRef = useActorRef(app, { input: { url } });
  const supervisor = useSelector(appRef, (s) => s.children.connection);
  const [text, setText] = useState('');
  const say = (event: FormEvent) => {
    event.preventDefault();
    appRef.send({ type: 'say', text }); // kept while the connection is down
    setText('');
  };
  return (
    <main>
      <h1>{url}</h1>
      {supervisor && <Status supervisor={supervisor} />}
      <form onSubmit={say}>
        <input aria-label="Message" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Send</button>
      </form>
    </main>
  );
}

const url = new URLSearchParams(location.search).get('ws') ?? 'ws://127.0.0.1:8080';
createRoot(document.getElementById('root')!).render(<App url={url} />);
