import { CaiApp } from '../components/cai-app.tsx';

export default function Page() {
  return <CaiApp />;
}
