// The Docs page's editor: CodeMirror 6 bound to a Y.Text by y-codemirror.next, which
// draws the other people's cursors and selections in their colours with their names.

import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { defaultKeymap, indentWithTab } from '@codemirror/commands';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';

export interface DocsEditor {
  view: EditorView;
  setReadOnly(readOnly: boolean): void;
  destroy(): void;
}

export function createEditor(parent: HTMLElement, text: Y.Text, awareness: Awareness): DocsEditor {
  const undoManager = new Y.UndoManager(text);
  const readOnly = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text.toString(),
      extensions: [
        lineNumbers(),
        highlightActiveLine(),
        drawSelection(),
        EditorView.lineWrapping,
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap, indentWithTab]),
        yCollab(text, awareness, { undoManager }),
        readOnly.of(EditorState.readOnly.of(false)),
      ],
    }),
  });
  return {
    view,
    setReadOnly(value) {
      view.dispatch({ effects: readOnly.reconfigure([EditorState.readOnly.of(value), EditorView.editable.of(!value)]) });
    },
    destroy() {
      view.destroy();
      undoManager.destroy();
    },
  };
}
