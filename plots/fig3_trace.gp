# fig3_trace.gp - Hessian trace (closed form) and top eigenvalue (Lanczos) of
# the training loss along the Fig. 3 runs, mean over seeds.
load "plots/common.gp"
if (fmt eq "pdf") { set terminal pdfcairo size 8in,3.4in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1200,520 font "Helvetica,11"; ext = ".png" }
set output outdir."/fig3_trace".ext
f = indir."/fig3_hess.csv"
set multiplot layout 1,2 title "Matrix sensing: sharpness of the training loss along training (".label.")"
set logscale y
set xlabel "step"
set title "trace of the Hessian"
plot f u 1:2 w lp ls 1 pt 7 ps 0.4 t "GD", f u 1:4 w lp ls 2 pt 7 ps 0.4 t "WP-GD", f u 1:6 w lp ls 3 pt 7 ps 0.4 t "NSO"
set title "largest Hessian eigenvalue"
plot f u 1:3 w lp ls 1 pt 7 ps 0.4 t "GD", f u 1:5 w lp ls 2 pt 7 ps 0.4 t "WP-GD", f u 1:7 w lp ls 3 pt 7 ps 0.4 t "NSO"
unset multiplot
