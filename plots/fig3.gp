# fig3.gp - paper Fig. 3: training MSE, validation MSE and squared distance
# ||UU^T - X*||_F^2 / ||X*||_F^2 over steps for GD, WP-GD and NSO (mean over
# seeds, each at its validation-chosen sigma).  Data: sensing_report output.
# usage: gnuplot -e "indir='data/sensing'; outdir='data/figures'; fmt='png'; label='full'" plots/fig3.gp
# (optional: name='fig3_ext' for the output file name)
load "plots/common.gp"
if (!exists("name")) name = "fig3"
if (fmt eq "pdf") { set terminal pdfcairo size 11in,3.4in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1650,520 font "Helvetica,11"; ext = ".png" }
set output outdir."/".name.ext
f = indir."/fig3_curves.csv"
set multiplot layout 1,3 title "Matrix sensing (paper Fig. 3): ".label
set logscale y
set format y "10^{%L}"
set xlabel "step"
set title "(a) training relative MSE"
plot f u 1:2 w l ls 1 t "GD", f u 1:5 w l ls 2 t "WP-GD", f u 1:8 w l ls 3 t "NSO"
set title "(b) validation relative MSE"
plot f u 1:3 w l ls 1 t "GD", f u 1:6 w l ls 2 t "WP-GD", f u 1:9 w l ls 3 t "NSO"
set title "(c) ||UU^T - X*||^2 / ||X*||^2"
plot f u 1:4 w l ls 1 t "GD", f u 1:7 w l ls 2 t "WP-GD", f u 1:10 w l ls 3 t "NSO"
unset multiplot
