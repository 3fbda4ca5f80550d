# ft_fig2.gp - paper Fig. 2 analog: per-epoch test loss, Hessian trace and
# generalisation gap (test loss - training loss, both eval-mode batch norm on
# the whole parts) of SGD and NSO (sigma 0.01) on one task,
# mean over seeds with a +-std band.  Data: ft_report's fig2.csv.
# usage: gnuplot -e "indir='out/quick/ft-report'; outdir='out/quick/figures'; fmt='png'; label='quick'" plots/ft_fig2.gp
load "plots/ft_common.gp"
if (!exists("name")) name = "ft_fig2"
if (fmt eq "pdf") { set terminal pdfcairo size 14in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 2100,540 font "Helvetica,11"; ext = ".png" }
set output outdir."/".name.ext
f = indir."/fig2.csv"
task = system("grep -m1 '^# task:' '".f."' 2>/dev/null | cut -d' ' -f3")
set multiplot layout 1,3 title "SGD vs NSO (sigma = 0.01) during fine-tuning on ".task." (paper Fig. 2 analog), band = +-std over seeds: ".label
set xlabel "epoch"
set style fill transparent solid 0.2 noborder
set title "(a) test loss"
set ylabel "test loss"
if (rows(f) < 1) { eval nodata("fig2.csv") } else {
plot f u 1:($2-$3):($2+$3) w filledcurves lc rgb c_sgd notitle, '' u 1:2 w lp ls 1 pt 7 ps 0.5 t "SGD", \
     f u 1:($4-$5):($4+$5) w filledcurves lc rgb c_nso notitle, '' u 1:4 w lp ls 3 pt 5 ps 0.5 t "NSO" }
set title "(b) trace of the Hessian (deflated Hutchinson)"
set ylabel "trace"
set datafile missing "nan"
if (rows(f) < 1) { eval nodata("fig2.csv") } else {
plot f u 1:($10-$11):($10+$11) w filledcurves lc rgb c_sgd notitle, '' u 1:10 w lp ls 1 pt 7 ps 0.5 t "SGD", \
     f u 1:($12-$13):($12+$13) w filledcurves lc rgb c_nso notitle, '' u 1:12 w lp ls 3 pt 5 ps 0.5 t "NSO" }
set title "(c) generalisation gap (test loss - training loss)"
set ylabel "gap"
if (rows(f) < 1) { eval nodata("fig2.csv") } else {
plot f u 1:($6-$7):($6+$7) w filledcurves lc rgb c_sgd notitle, '' u 1:6 w lp ls 1 pt 7 ps 0.5 t "SGD", \
     f u 1:($8-$9):($8+$9) w filledcurves lc rgb c_nso notitle, '' u 1:8 w lp ls 3 pt 5 ps 0.5 t "NSO" }
unset multiplot
