# fig3_long.gp - issue 10's Fig. 3 long-horizon supplement: validation relative
# MSE of WP-GD and NSO per seed, run to 10x the paper's steps or until the
# best validation error stops improving (a curve ends at its plateau); left:
# each method at the sigma chosen on the paper's grid, right: on the extended
# grid.  The dashed line is the paper's budget, where fig3.nso_lowest_val is
# judged.  Data: sensing_report --mode long (long_curves.csv: step, then
# paper_wpgd, paper_nso, ext_wpgd, ext_nso with one column per seed).
# usage: gnuplot -e "indir='data/sensing_long'; outdir='data/figures'; fmt='png'; label='full'" plots/fig3_long.gp
load "plots/common.gp"
if (fmt eq "pdf") { set terminal pdfcairo size 9in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1350,540 font "Helvetica,11"; ext = ".png" }
set output outdir."/fig3_long".ext
f = indir."/long_curves.csv"
budget = real(system("grep -m1 -o -- '--budget [0-9]*' ".indir."/long_summary.csv | cut -d' ' -f2"))
stats f u 1 nooutput
ns = (STATS_columns - 1) / 4
set multiplot layout 1,2 title "Fig. 3 beyond the paper's budget (validation relative MSE): ".label
set logscale y
set format y "10^{%L}"
set xlabel "step"
set key top right font ",8"
set arrow 1 from budget, graph 0 to budget, graph 1 nohead ls 4
do for [g=0:1] {
  set title (g == 0 ? "sigma chosen on the paper's grid" : "sigma chosen on the extended grid")
  b = 2 + g * 2 * ns
  plot for [i=b:b+ns-1] f u 1:i w l ls 2 t (i == b ? "WP-GD (one line per seed)" : ""), \
       for [i=b+ns:b+2*ns-1] f u 1:i w l ls 3 t (i == b + ns ? "NSO" : "")
}
unset multiplot
