# prop23.gp - Prop. 2.3: Hessian trace at U* versus at the interpolating
# solutions found by GD / WP-GD / NSO for several m, and the concentration
# step of the proof (eq. 24) against m^{-1/2}; third panel (issue 10): the
# relative gap (tr H(U*) - tr H(W)) / tr H(U*) of the hard interpolating
# solutions (GD from a small initialisation, trace-penalised search) against m
# (positive: W has a smaller trace than U*).
load "plots/common.gp"
if (fmt eq "pdf") { set terminal pdfcairo size 11in,3.4in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1700,520 font "Helvetica,11"; ext = ".png" }
set output outdir."/prop23".ext
set multiplot layout 1,3 title "Proposition 2.3 (".label.")"
set xlabel "training measurements m"
set ylabel "tr Hessian of the training loss"
set key top right
set title "trace at U* and at interpolating solutions"
f = indir."/prop23_summary.csv"
plot f u 1:2 w lp ls 1 pt 7 ps 0.7 t "GD", f u 1:3 w lp ls 2 pt 7 ps 0.7 t "WP-GD", \
     f u 1:4 w lp ls 3 pt 7 ps 0.7 t "NSO", f u 1:5 w lp lw 2 lc rgb "#000000" pt 5 ps 0.7 t "U* (and U* R)"
set logscale xy
set ylabel "RMS |tr H(U*)/((d+1)||U*||^2) - 1|"
set title "concentration step of the proof (eq. 24)"
c = indir."/prop23_concentration.csv"
stats c u (log($1)):(log($2)) nooutput
a0 = exp(STATS_mean_y + 0.5*STATS_mean_x)
plot c u 1:2 w lp pt 7 ps 0.8 lw 2 lc rgb "#0072B2" t "measured", a0*x**(-0.5) w l ls 4 t "slope -1/2"
unset logscale y
set format y "%g"
set ylabel "(tr H(U*) - tr H(W)) / tr H(U*)"
set title "hard interpolating W (gap > 0: smaller trace than U*)"
h = indir."/prop23_hard_summary.csv"
plot h u 1:5 w lp ls 1 pt 7 ps 0.7 t "GD from 1e-3 N(0,1)", h u 1:9 w lp ls 3 pt 5 ps 0.7 t "trace-penalised search", \
     0 w l ls 4 t ""
unset multiplot
