import { bundleFiles, preloadScript } from '../site/lib/workbench-preload.ts';
const f = bundleFiles('/work/wt-wb-ready/dist/_astro'); console.log(f); console.log(preloadScript(f));
