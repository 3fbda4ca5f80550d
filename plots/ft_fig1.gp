# ft_fig1.gp - paper Fig. 1 analog: test loss and Hessian trace of the last-epoch
# model for SGD, SAM and NSO per fine-tuning task, bars = mean over seeds,
# error bars = seed std.  Data: ft_report's fig1.csv.
# usage: gnuplot -e "indir='out/quick/ft-report'; outdir='out/quick/figures'; fmt='png'; label='quick'" plots/ft_fig1.gp
load "plots/ft_common.gp"
if (!exists("name")) name = "ft_fig1"
if (fmt eq "pdf") { set terminal pdfcairo size 10in,3.6in font "Helvetica,10"; ext = ".pdf" } \
else { set terminal pngcairo size 1500,540 font "Helvetica,11"; ext = ".png" }
set output outdir."/".name.ext
f = indir."/fig1.csv"
set multiplot layout 1,2 title "Fine-tuning ResNet-8 (paper Fig. 1 analog), last epoch, mean +- std over seeds: ".label
set style data histograms
set xtics noenhanced
set yrange [0:*]
set title "(a) test loss"
set ylabel "test loss (cross-entropy)"
titles = "SGD SAM NSO"; colors = c_sgd." ".c_sam." ".c_nso
spec = "2:3 4:5 6:7"; load "plots/ft_bars.gp"
set title "(b) trace of the loss Hessian (Hutchinson)"
set ylabel "tr H"
spec = "8:9 10:11 12:13"; load "plots/ft_bars.gp"
unset multiplot
