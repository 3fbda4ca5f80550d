# fig2text.gp - Fig. 2's text panel: per-epoch test loss, generalisation gap
# (test - training loss, whole parts) and Hessian trace (Hutchinson on a fixed
# subset of training passages) of SGD, NSO sigma 0.01 and NSO at the sigma chosen
# on validation, fine-tuning the MLM-pretrained mini-BERT on Brown genres; mean
# over seeds with a +-sd band.  Data: nn_fig2text --mode report's summary.csv
# (index 0, 1, 2 = the three methods).
# usage: gnuplot -e "indir='out/quick/fig2text'; outdir='out/quick/figures'; fmt='png'; label='quick'" plots/fig2text.gp
load "plots/ft_common.gp"
# blocks 1 and 2 start with a data row, not a column-name line
set datafile nocolumnheaders
if (!exists("name")) name = "fig2text"
if (fmt eq "pdf") { set terminal pdfcairo size 14in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 2100,540 font "Helvetica,11"; ext = ".png" }
set output outdir."/".name.ext
f = indir."/summary.csv"
set multiplot layout 1,3 title "Mini-BERT on Brown genres: SGD vs NSO during fine-tuning (paper Fig. 2, text panel), band = +-sd over seeds: ".label
set xlabel "epoch"
set style fill transparent solid 0.2 noborder
set datafile missing "nan"
c_best = "#0072B2"
set title "(a) test loss"
set ylabel "test loss"
if (rows(f) < 1) { eval nodata("summary.csv") } else {
plot f i 0 u 3:($4-$5):($4+$5) w filledcurves lc rgb c_sgd notitle, '' i 0 u 3:4 w l lw 2 lc rgb c_sgd t "SGD", \
     f i 1 u 3:($4-$5):($4+$5) w filledcurves lc rgb c_nso notitle, '' i 1 u 3:4 w l lw 2 lc rgb c_nso t "NSO 0.01", \
     f i 2 u 3:4 w l lw 2 dt 2 lc rgb c_best t "NSO (val. sigma)" }
set title "(b) generalisation gap (test - training loss)"
set ylabel "gap"
if (rows(f) < 1) { eval nodata("summary.csv") } else {
plot f i 0 u 3:($6-$7):($6+$7) w filledcurves lc rgb c_sgd notitle, '' i 0 u 3:6 w l lw 2 lc rgb c_sgd t "SGD", \
     f i 1 u 3:($6-$7):($6+$7) w filledcurves lc rgb c_nso notitle, '' i 1 u 3:6 w l lw 2 lc rgb c_nso t "NSO 0.01", \
     f i 2 u 3:6 w l lw 2 dt 2 lc rgb c_best t "NSO (val. sigma)" }
set title "(c) trace of the Hessian (Hutchinson)"
set ylabel "trace"
if (rows(f) < 1) { eval nodata("summary.csv") } else {
plot f i 0 u 3:8:9 w yerrorlines lc rgb c_sgd pt 7 ps 0.6 t "SGD", \
     f i 1 u 3:8:9 w yerrorlines lc rgb c_nso pt 5 ps 0.6 t "NSO 0.01", \
     f i 2 u 3:8:9 w yerrorlines lc rgb c_best dt 2 pt 9 ps 0.6 t "NSO (val. sigma)" }
unset multiplot
