# fig3_mech.gp - issue 10's Fig. 3 mechanism experiment: WP-GD averaging k
# one-point draws per step (its extra noise shrinks as 1/k, the smoothed
# objective is unchanged) and NSO plus isotropic noise of the same variance.
# (a) validation relative MSE along training divided by NSO's (means over
# seeds); (b) final validation error minus NSO's (paired over seeds, mean +- sd)
# against the variance of the added noise relative to WP-GD's with one draw.
# Data: sensing_report --mode mechanism (mech_curves.csv, mech_summary.csv).
# usage: gnuplot -e "indir='data/sensing_mech'; outdir='data/figures'; fmt='png'; label='full'" plots/fig3_mech.gp
load "plots/common.gp"
if (fmt eq "pdf") { set terminal pdfcairo size 9in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1350,540 font "Helvetica,11"; ext = ".png" }
set output outdir."/fig3_mech".ext
f = indir."/mech_curves.csv"
s = indir."/mech_summary.csv"
stats s u (strcol(2) eq "wpgd" ? 1 : NaN) nooutput
nwp = STATS_records
stats f u 1 nooutput
nc = STATS_columns
jn = 3 + nwp   # NSO's column: step, GD, WP-GD x nwp, NSO, NSO + isotropic noise ...
set multiplot layout 1,2 title "Fig. 3 mechanism at sigma 0.016 (validation relative MSE): ".label
set xlabel "step"
set ylabel "validation error / NSO's"
set title "(a) along training, mean over seeds"
set key top left font ",8"
set yrange [*:*]
plot for [i=3:2+nwp] f u 1:(column(i) / column(jn)) w l lw 2 lc rgb "#0072B2" dt i-2 t columnheader(i), \
     for [i=jn+1:nc] f u 1:(column(i) / column(jn)) w l lw 2 lc rgb "#009E73" dt i-jn t columnheader(i), \
     1 w l ls 4 t "NSO"
set logscale x
set xrange [0.04:1.6]
set key bottom left font ",8"
set xlabel "variance of the added noise / WP-GD's with one draw"
set ylabel "final validation error - NSO's (paired)"
set title "(b) WP-GD with k draws (x = 1/k) vs NSO + isotropic noise"
plot s u 4:(strcol(2) eq "wpgd" ? $13 : NaN):14 w yerrorlines ls 2 pt 7 t "WP-GD, k draws (curvature-shaped noise)", \
     s u 4:(strcol(2) eq "nsoiso" ? $13 : NaN):14 w yerrorlines ls 3 pt 5 t "NSO + isotropic noise", \
     0 w l ls 4 t "NSO"
unset multiplot
