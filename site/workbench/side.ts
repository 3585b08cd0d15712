/**
 * Where the workbench sits, as the loader (loader.ts), the layout
 * (layout.ts) and the parse-time connection (early-socket.ts) all read it:
 * the media query of the wide layout, where it is a column beside the lesson
 * (site/styles/workbench-layout.css), and the key under which this browser
 * remembers that the student folded it away.
 */

/** Where the workbench is a column beside the lesson, in view from the start. */
export const SIDE_BY_SIDE = '(min-width: 72rem)';

/** localStorage key: "hidden" when the student folded the workbench beside the lesson away. */
export const SIDE_KEY = 'socklab:layout:side';
