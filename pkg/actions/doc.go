// Package actions holds the user actions on sluice objects — promote, abort,
// retry, pause, resume, restart, set image, undo, terminate an AnalysisRun —
// for every client that offers them: the kubectl plugin and the dashboard.
//
// Each action is two halves:
//   - a decision, pure: from the objects as read it returns the Change to make
//     (the writes, in order, and the sentence that says what they did), or a
//     *Declined error that says why there is nothing to do or why the action is
//     refused in the object's state;
//   - the Executor, which reads the objects, makes the writes through the
//     generated clientset, each conditioned on the resourceVersion it acts on,
//     and handles conflicts.
//
// One rule holds for every action: it either changes something and says what,
// or it writes nothing and says why. Clients show the sentence or the error as
// they like; the plugin prints one line and exits 0 or 1.
package actions
