# ft_bars.gp - one clustered bar panel with error bars for the fine-tuning
# figures, skipping series without any value (e.g. a method whose Hessian was
# not measured) and drawing a "no data yet" frame when none has one.
# Set before `load`: f (file), spec ("2:3 4:5": mean:sd columns per series),
# titles and colors (one word per series; quote words with spaces).
cmd = ""
do for [i=1:words(spec)] {
  s = word(spec, i)
  col = int(s[1:strstrt(s, ":") - 1])
  if (has(f, col) > 0) {
    cmd = cmd.(strlen(cmd) > 0 ? ", " : "plot ").sprintf("'%s' u %s%s t '%s' lc rgb '%s'", f, s, (strlen(cmd) > 0 ? "" : ":xtic(1)"), word(titles, i), word(colors, i))
  }
}
if (strlen(cmd) > 0) { eval cmd } else { eval nodata(f) }
