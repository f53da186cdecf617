// What the page holds between answers, declared in one place. The object is sealed: a field that is not
// declared here cannot be added on the way. (window.backpropLab.page is this object, for tests and the curious.)
export function pageState(changes) {
  return Object.seal({
    values: {}, // values the user set; inputs without one get the API's default
    graph: null, // the last graph that computed
    program: null, // its program
    structure: null, // what the drawing's layout depends on (nodes and wires, not numbers)
    structureKey: null, // the program and options that structure was computed from
    settled: 0, // the newest change whose answer is on screen (or whose error is)
    get request() { // the newest change (of the program, a value or an option) to compute
      return changes.newest;
    },
    layout: null, // "graphviz" or "plain": how the drawing on screen was laid out
    shape: null, // "LR", "TB", "rows" or "layers": the drawing's shape on this screen
    tried: null, // the shapes weighed to choose it
    refining: false, // Graphviz is laying out again a graph drawn in plain layers first
    opsByName: {}, // the API's op table, by name
    focused: null, // the node the explanation card is about
    arrayOpen: null, // the node whose array dialog is open
  });
}
