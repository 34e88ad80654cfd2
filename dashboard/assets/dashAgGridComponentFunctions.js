/* Cell renderers for the item grid (dash-ag-grid looks them up by name). No data lives here. */
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

/* Flags as coloured badges; the full sentence is the badge's tooltip. */
dagcomponentfuncs.FlagBadges = function (props) {
  var flags = props.value || [];
  return React.createElement(
    "span",
    { className: "badges" },
    flags.map(function (f, i) {
      return React.createElement("span", { key: i, className: "badge badge-" + f.severity, title: f.sentence }, f.label);
    })
  );
};
